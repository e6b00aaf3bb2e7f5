import type { InputRef } from "@handoff/core";
import type { WireInput } from "@handoff/protocol";
import { MAX_GRANT_TASK_IDS, SERVER_AUDIENCE, signGrant } from "@handoff/protocol/grant";
import type { Clock } from "./clock.ts";
import type { LiveMachine } from "./live-machine.ts";

/** Grants are short-lived; an attempt that waits past one asks for a fresh one (`grant:refresh`). */
export const DEFAULT_GRANT_TTL_MS = 2 * 60_000;

export interface GrantContext {
  readonly machines: ReadonlyMap<string, LiveMachine>;
  readonly clock: Clock;
  readonly grantTtlMs: number;
}

type Step = { readonly fn: string; readonly args?: readonly unknown[] };

/**
 * A grant for `audience` to fetch (runId, taskId) from `holder`, signed with the holder's secret; with `taskIds`, one
 * grant for each of those values (`taskId` is then the first). It tells a machine audience to sign its fetch proof in
 * version 2 when the holder's hello said it accepts that (`proof`); the server's own proofs (the relay) stay as they are.
 */
export function grantFor(ctx: GrantContext, holder: LiveMachine, runId: string, taskId: string, audience: string, encode?: Step, taskIds?: readonly string[]): string {
  return signGrant(holder.grantSecret, {
    runId,
    taskId,
    ...(taskIds === undefined ? {} : { taskIds: [...taskIds] }),
    holder: holder.name,
    audience,
    ...(audience === SERVER_AUDIENCE ? {} : { audienceKey: ctx.machines.get(audience)?.publicKey ?? undefined }),
    expiresAt: ctx.clock.now() + ctx.grantTtlMs,
    ...(encode ? { encode: { fn: encode.fn, args: [...(encode.args ?? [])] } } : {}),
    ...(holder.fetchProofV2 && audience !== SERVER_AUDIENCE ? { proof: 2 as const } : {}),
  });
}

const copyStep = (step: Step): { fn: string; args: unknown[] } => ({ fn: step.fn, args: [...(step.args ?? [])] });

/** The run a value of `runId` is kept under when it is another one (a result a re-run reused); undefined otherwise. */
export type HeldUnder = (taskId: string) => string | undefined;

/**
 * An input as the agent on `target` receives it: a result from another machine comes with its URL and a grant; a
 * result a re-run reused names the run its holder keeps it under.
 */
export function wireInput(ctx: GrantContext, runId: string, input: InputRef, target: string, heldUnder: HeldUnder = () => undefined): WireInput {
  if (input.kind === "inline") {
    return {
      kind: "inline",
      taskId: input.taskId,
      fn: input.fn,
      inputs: input.inputs.map((nested) => wireInput(ctx, runId, nested, target, heldUnder)),
      extraArgs: [...input.extraArgs],
      argumentInclusion: input.argumentInclusion,
      ...(input.encode ? { encode: copyStep(input.encode) } : {}),
      ...(input.decode ? { decode: copyStep(input.decode) } : {}),
    };
  }
  const holder = ctx.machines.get(input.machine);
  const encode = input.encode ? copyStep(input.encode) : undefined;
  const decode = input.decode ? { decode: copyStep(input.decode) } : {};
  const keptUnder = heldUnder(input.taskId);
  const held = keptUnder === undefined || keptUnder === runId ? {} : { runId: keptUnder };
  if (input.machine !== target && holder?.resultUrl) {
    // Across machines the producer-side step runs on the holder, named in the grant.
    return {
      kind: "result",
      taskId: input.taskId,
      machine: input.machine,
      ...held,
      ...decode,
      fetch: { url: holder.resultUrl, grant: grantFor(ctx, holder, keptUnder ?? runId, input.taskId, target, encode) },
    };
  }
  const after = input.after === undefined ? {} : { after: input.after }; // pre-assigned: made on `target`, waited for there
  return { kind: "result", taskId: input.taskId, machine: input.machine, ...held, ...(encode ? { encode } : {}), ...decode, ...after };
}

/** From this many inputs held by one machine, an assignment carries one grant naming them all instead of one each. */
export const SHARED_GRANT_MIN_INPUTS = 8;
/** The task names one shared grant carries at most, in JSON characters (its base64 stays well under 1 MiB). */
const SHARED_GRANT_MAX_CHARS = 512 * 1024;

/**
 * An attempt's inputs as its agent receives them. The task's own inputs held by one other machine, when there are
 * many (a fan-in), share one grant naming them all (`sharedGrants`, referred to by index): signed once here and
 * checked once by the holder, where ten thousand grants cost ten thousand signatures on each side.
 */
export function wireInputs(ctx: GrantContext, runId: string, inputs: readonly InputRef[], target: string, heldUnder: HeldUnder = () => undefined): { inputs: WireInput[]; sharedGrants?: string[] } {
  const byHolder = new Map<string, string[]>();
  for (const input of inputs) {
    if (input.kind !== "result" || input.encode !== undefined || input.machine === target) continue;
    // A value a re-run reused is kept under the run that made it: its grant names that run, so it goes alone.
    if ((heldUnder(input.taskId) ?? runId) !== runId) continue;
    const list = byHolder.get(input.machine) ?? [];
    list.push(input.taskId);
    byHolder.set(input.machine, list);
  }
  const sharedGrants: string[] = [];
  const sharedIndex = new Map<string, number>();
  for (const [machine, taskIds] of byHolder) {
    const holder = ctx.machines.get(machine);
    if (taskIds.length < SHARED_GRANT_MIN_INPUTS || !holder?.resultUrl) continue;
    // Several grants when the names would make one too long to send back in a `grant:refresh` (1 MiB messages).
    let part: string[] = [];
    let partChars = 0;
    const flush = (): void => {
      for (const taskId of part) sharedIndex.set(`${machine}\u0000${taskId}`, sharedGrants.length);
      sharedGrants.push(grantFor(ctx, holder, runId, part[0]!, target, undefined, part));
      part = [];
      partChars = 0;
    };
    for (const taskId of new Set(taskIds)) {
      if (part.length === MAX_GRANT_TASK_IDS || partChars + taskId.length + 3 > SHARED_GRANT_MAX_CHARS) flush();
      part.push(taskId);
      partChars += taskId.length + 3;
    }
    if (part.length > 0) flush();
  }
  const wired = inputs.map((input): WireInput => {
    const shared = input.kind === "result" && input.encode === undefined ? sharedIndex.get(`${input.machine}\u0000${input.taskId}`) : undefined;
    if (shared === undefined || input.kind !== "result") return wireInput(ctx, runId, input, target, heldUnder);
    const holder = ctx.machines.get(input.machine)!;
    return { kind: "result", taskId: input.taskId, machine: input.machine, ...(input.decode ? { decode: copyStep(input.decode) } : {}), fetch: { url: holder.resultUrl!, shared } };
  });
  return sharedGrants.length === 0 ? { inputs: wired } : { inputs: wired, sharedGrants };
}
