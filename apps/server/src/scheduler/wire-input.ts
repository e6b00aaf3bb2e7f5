import type { InputRef } from "@handoff/core";
import type { WireInput } from "@handoff/protocol";
import { SERVER_AUDIENCE, signGrant } from "@handoff/protocol/grant";
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

/** A grant for `audience` to fetch (runId, taskId) from `holder`, signed with the holder's secret. */
export function grantFor(ctx: GrantContext, holder: LiveMachine, runId: string, taskId: string, audience: string, encode?: Step): string {
  return signGrant(holder.grantSecret, {
    runId,
    taskId,
    holder: holder.name,
    audience,
    ...(audience === SERVER_AUDIENCE ? {} : { audienceKey: ctx.machines.get(audience)?.publicKey ?? undefined }),
    expiresAt: ctx.clock.now() + ctx.grantTtlMs,
    ...(encode ? { encode: { fn: encode.fn, args: [...(encode.args ?? [])] } } : {}),
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
  return { kind: "result", taskId: input.taskId, machine: input.machine, ...held, ...(encode ? { encode } : {}), ...decode };
}
