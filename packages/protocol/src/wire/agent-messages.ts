import { z } from "zod";
import { Bounds, MAX_TIMER_DELAY_MS, TASK_ERROR_KINDS } from "@handoff/core";
import { boundedNumber } from "../bounded-number.ts";
import { BundleHash, BundleWant, MAX_BUNDLE_BYTES, MAX_BUNDLE_FUNCTIONS } from "../function-bundle.ts";
import { FunctionMeta } from "../function-meta.ts";

/**
 * Every socket.io message between an agent and the server: versioned, parsed with zod on receipt.
 * Bulk values never travel here; they go agent to agent over the result path (HTTP + grant).
 */
export const PROTOCOL_VERSION = 1;

const version = z.literal(PROTOCOL_VERSION);
const name = z.string().min(1).max(200);
/** A machine's capacity (hello) or a cost: each amount finite, ≥ 0, ≤ 1e12 (core's `Bounds.capacity`). */
const resources = z.record(z.string().min(1).max(100), boundedNumber(Bounds.capacity));

export const TaskErrorJson = z.object({
  kind: z.enum(TASK_ERROR_KINDS),
  message: z.string().max(64 * 1024),
});
export type TaskErrorJson = z.infer<typeof TaskErrorJson>;

const EdgeTransformJson = z.object({ fn: name, args: z.array(z.unknown()).optional() });

/** Where and how to get one input. `fetch` is set when the value lives on another machine. */
export type WireInput =
  | {
      kind: "result";
      taskId: string;
      machine: string;
      /** The run the holder keeps the value under, when it is not the attempt's (a result a re-run reused). */
      runId?: string;
      encode?: z.infer<typeof EdgeTransformJson>;
      decode?: z.infer<typeof EdgeTransformJson>;
      /** `grant`, or `shared`: the index of the item's `sharedGrants` entry (one grant naming many inputs of one holder). */
      fetch?: { url: string; grant: string } | { url: string; shared: number };
      /**
       * Pre-assigned (an agent that announced `preAssign`): the producer's attempt, assigned to this same machine, whose
       * value the agent waits for in its own store before it starts this attempt (never with `fetch`).
       */
      after?: string;
    }
  | {
      kind: "inline";
      taskId: string;
      fn: string;
      inputs: WireInput[];
      extraArgs: unknown[];
      argumentInclusion: "variadic" | "as_list";
      encode?: z.infer<typeof EdgeTransformJson>;
      decode?: z.infer<typeof EdgeTransformJson>;
    };

export const WireInput: z.ZodType<WireInput> = z.lazy(() =>
  z.union([
    z.object({
      kind: z.literal("result"),
      taskId: name,
      machine: name,
      runId: name.optional(),
      encode: EdgeTransformJson.optional(),
      decode: EdgeTransformJson.optional(),
      fetch: z.union([z.object({ url: z.string().url(), grant: z.string().min(1) }), z.object({ url: z.string().url(), shared: z.number().int().nonnegative() })]).optional(),
      after: name.optional(),
    }),
    z.object({
      kind: z.literal("inline"),
      taskId: name,
      fn: name,
      inputs: z.array(WireInput),
      extraArgs: z.array(z.unknown()),
      argumentInclusion: z.enum(["variadic", "as_list"]),
      encode: EdgeTransformJson.optional(),
      decode: EdgeTransformJson.optional(),
    }),
  ]),
);

// ---- agent → server -------------------------------------------------------------------------

/**
 * `secret:resolve` (agent → server, with ack): the values of the secrets an attempt assigned to this agent refers to.
 * The server answers only the connection its attempt was assigned to, only for names the attempt's task refers to.
 */
export const SecretResolve = z.object({ v: version, attemptId: name, names: z.array(z.string().min(1).max(100)).min(1).max(100) });
export type SecretResolve = z.infer<typeof SecretResolve>;
/** A secret's value: text, at most 64 KiB. */
export const MAX_SECRET_BYTES = 64 * 1024;
export const SecretResolved = z.object({ ok: z.literal(true), values: z.record(z.string(), z.string().max(MAX_SECRET_BYTES)) });
export type SecretResolved = z.infer<typeof SecretResolved>;

/** `function:bundle` (agent → server, with ack): the code of a pushed bundle, by hash (the agent checks the hash). */
export const BundleRequest = z.object({ v: version, hash: BundleHash });
export type BundleRequest = z.infer<typeof BundleRequest>;
export const BundleGiven = z.object({ ok: z.literal(true), code: z.string().max(MAX_BUNDLE_BYTES) });

/** The most attempts an agent may announce it takes ahead (`AgentHello.aheadDepth`); the server uses at most its slots. */
export const MAX_AHEAD_DEPTH = 1024;

export const AgentHello = z.object({
  v: version,
  name,
  capacity: resources,
  functions: z.array(FunctionMeta).max(10_000),
  agentVersion: z.string().max(100),
  /**
   * This agent's result server. Only its port is used: the server reaches (and points other agents at) the address
   * this agent's own socket comes from, never a host, path or scheme an agent chose.
   */
  resultUrl: z.string().url(),
  /** The machine's identity: its Ed25519 public key and its signature of the server's challenge (see `AgentChallenge`). */
  identity: z.object({ publicKey: z.string().min(1).max(200), signature: z.string().min(1).max(200) }),
  /** Attempts this agent is still running (after a reconnect). */
  running: z.array(z.string()).default([]),
  labels: z.record(z.string(), z.string()).default({}),
  /**
   * Results of attempts this agent finished for runs still in flight (pinned), that it still holds: a server
   * that restarted adopts them instead of running their tasks again (its last writes may not have landed).
   */
  held: z.array(z.lazy(() => HeldResult)).max(1000).default([]),
  /**
   * This agent's result store instance, new at every agent start (its values do not survive the process). The
   * server treats every result it recorded on this machine under another instance as lost.
   */
  storeId: z.string().regex(/^[\w-]{8,64}$/, "8 to 64 letters, digits, '_' or '-'").optional(),
  /** This agent loads function bundles the server ships (`--fetch-functions`); off unless its operator allowed it. */
  fetchesFunctions: z.boolean().optional(),
  /**
   * Assign-ahead capability: how many attempts this agent takes beyond its free slots. It queues them and starts each,
   * in order, once the item's `slots` fit its pool, with the attempt's timeout counted from then. Absent (an agent
   * from before it): the server assigns it only what fits its free slots, as before. The server uses at most its slots.
   */
  aheadDepth: z.number().int().min(0).max(MAX_AHEAD_DEPTH).optional(),
  /**
   * Pre-assignment capability: this agent holds an attempt whose input names `after` (an attempt assigned to it) until
   * that attempt's value is in its store, and drops it when that attempt ends without one. Absent (an agent from
   * before it): nothing is pre-assigned to it. Used only with `aheadDepth` (a pre-assigned attempt is queued there).
   */
  preAssign: z.boolean().optional(),
  /**
   * The fetch-proof versions this agent's result server accepts (`X-Handoff-Proof`; see `FETCH_PROOF_VERSIONS`).
   * Absent (an agent from before version 2): 1 only. Grants for its values then say which one their consumer signs.
   */
  fetchProofs: z.array(z.number().int().min(1).max(1000)).min(1).max(16).optional(),
});
export type AgentHello = z.infer<typeof AgentHello>;

/** `agent:challenge` (agent → server, with ack): asks for a nonce to sign in the next hello. */
export const ChallengeRequest = z.object({ v: version });
export type ChallengeRequest = z.infer<typeof ChallengeRequest>;

/** The server's answer to `agent:challenge`: a fresh nonce for this connection's next hello, and the context to sign. */
export const AgentChallenge = z.object({ v: version, nonce: z.string().min(16).max(200), context: z.string().min(1).max(200) });
export type AgentChallenge = z.infer<typeof AgentChallenge>;

/** `grant:refresh` (agent → server, with ack): a new grant for an expired one the agent was given. */
export const GrantRefresh = z.object({ v: version, grant: z.string().min(1).max(1024 * 1024) }); // a shared grant names many values
export type GrantRefresh = z.infer<typeof GrantRefresh>;
export const GrantRefreshed = z.object({ ok: z.literal(true), grant: z.string().min(1), url: z.string().url() });
export type GrantRefreshed = z.infer<typeof GrantRefreshed>;

/** A leader lease epoch (a PostgreSQL integer): it only grows. */
const leaseEpoch = z.number().int().min(1).max(2 ** 31 - 1);

export const AgentWelcome = z.object({
  v: version,
  machine: name,
  /** Secret the server signs result grants with for this machine (HMAC); only this agent and the server know it. */
  grantSecret: z.string().min(16),
  heartbeatIntervalMs: z.number().int().positive(),
  /** The largest message the server takes (HANDOFF_MAX_MESSAGE_BYTES): the agent keeps each report batch under it. */
  maxMessageBytes: z.number().int().min(1024).optional(),
  /** Replicas (issue #18): the leader lease's epoch of the server welcoming; the agent refuses assignments of a lower one. */
  epoch: leaseEpoch.optional(),
});
export type AgentWelcome = z.infer<typeof AgentWelcome>;

/** `machine:forgotten` (server → agent): an admin revoked this machine's identity. */
export const MachineForgotten = z.object({ v: version, machine: name });
export type MachineForgotten = z.infer<typeof MachineForgotten>;

export const AgentHeartbeat = z.object({
  v: version,
  at: z.number(),
  cpuPercent: z.number().min(0).max(100_000),
  memoryUsedMb: z.number().nonnegative(),
  memoryTotalMb: z.number().nonnegative(),
  running: z.array(z.string()).max(100_000),
});
export type AgentHeartbeat = z.infer<typeof AgentHeartbeat>;

export const AttemptMetrics = z.object({
  /** Wall-clock from start to end of the function call (exact). */
  wallMs: z.number().nonnegative(),
  /** CPU time of the worker thread while it ran this attempt (approximate: includes input decoding). */
  cpuMs: z.number().nonnegative().optional(),
  /** Heap used by the worker at the end of the attempt (approximate). */
  heapUsedMb: z.number().nonnegative().optional(),
  /** From the assignment's arrival to every input at hand (local reads and downloads, concurrent), exact. */
  inputsMs: z.number().nonnegative().optional(),
  /** From the assignment's arrival to the function's call: inputs, the hand-over to the worker (exact to its way back). */
  beforeCallMs: z.number().nonnegative().optional(),
  /**
   * Every input downloaded from other machines for this attempt (`transfers` lists at most 1,000): how many, their
   * bytes, and the fetch alone, from the first download's start to the last one's end (exact).
   */
  fetched: z.object({ count: z.number().int().nonnegative(), bytes: z.number().int().nonnegative(), ms: z.number().nonnegative() }).optional(),
  /** Inputs downloaded from other machines for this attempt: producer task, holder, bytes, milliseconds (exact). */
  transfers: z
    .array(z.object({ taskId: name, from: name, bytes: z.number().int().nonnegative(), ms: z.number().nonnegative() }))
    .max(1000)
    .optional(),
});
export type AttemptMetrics = z.infer<typeof AttemptMetrics>;

export const ResultMeta = z.object({
  size: z.number().int().nonnegative(),
  contentType: z.enum(["application/json", "application/octet-stream"]),
  preview: z.string().max(4096),
  truncated: z.boolean(),
  /**
   * The preview is the value's whole JSON text (no bytes in it, nothing cut), so the server can answer the value
   * without reading it from the holder (`execute` with `materialize`). Absent means it is not.
   */
  exact: z.boolean().optional(),
});
export type ResultMeta = z.infer<typeof ResultMeta>;

export const HeldResult = z.object({ attemptId: name, runId: name, taskId: name, result: ResultMeta });
export type HeldResult = z.infer<typeof HeldResult>;

export const TaskFinishedItem = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true), attemptId: name, result: ResultMeta, metrics: AttemptMetrics }),
  z.object({ ok: z.literal(false), attemptId: name, error: TaskErrorJson, metrics: AttemptMetrics.optional() }),
]);
export type TaskFinishedItem = z.infer<typeof TaskFinishedItem>;

export const TaskFinished = z.object({ v: version, items: z.array(TaskFinishedItem).min(1).max(10_000) });
export type TaskFinished = z.infer<typeof TaskFinished>;

export const TaskLogItem = z.object({
  attemptId: name,
  level: z.enum(["info", "warn", "error"]),
  message: z.string().max(16 * 1024),
  at: z.number(),
});
export type TaskLogItem = z.infer<typeof TaskLogItem>;

export const TaskLogs = z.object({ v: version, items: z.array(TaskLogItem).min(1).max(10_000) });
export type TaskLogs = z.infer<typeof TaskLogs>;

export const ResultEvictedItem = z.object({ runId: name, taskId: name, reason: z.enum(["retention", "disk_budget"]) });
export type ResultEvictedItem = z.infer<typeof ResultEvictedItem>;

/** Values the agent dropped (retention or disk budget): the server answers `evicted` at once afterwards. */
export const ResultEvicted = z.object({ v: version, items: z.array(ResultEvictedItem).min(1).max(10_000) });
export type ResultEvicted = z.infer<typeof ResultEvicted>;

// ---- server → agent -------------------------------------------------------------------------

/** A run ended: its values may now age out (they were pinned while the run could still need them). */
/** Replicas: `epoch` as in `TaskAbort`: a deposed leader's run end is ignored (the values stay pinned). */
export const RunEnded = z.object({ v: version, runId: name, epoch: leaseEpoch.optional() });
export type RunEnded = z.infer<typeof RunEnded>;

/**
 * Replicas (issue #18): a newly elected leader asks every connected agent, on whichever replica its socket is, to say
 * hello again (a new challenge and hello on the same socket), so it learns what each one runs and holds. An agent
 * ignores it under an epoch lower than the highest it has seen.
 */
export const AgentReannounce = z.object({ v: version, epoch: leaseEpoch });
export type AgentReannounce = z.infer<typeof AgentReannounce>;

/**
 * A re-run reuses values this machine keeps under earlier runs (`keep`): they stay (no retention, no disk-budget
 * eviction) until `runId` ends.
 */
export const ResultsPin = z.object({ v: version, runId: name, keep: z.array(name).min(1).max(10_000) });
export type ResultsPin = z.infer<typeof ResultsPin>;

export const TaskAssignItem = z.object({
  attemptId: name,
  runId: name,
  taskId: name,
  attempt: z.number().int().positive(),
  fn: name,
  inputs: z.array(WireInput),
  extraArgs: z.array(z.unknown()),
  argumentInclusion: z.enum(["variadic", "as_list"]),
  timeoutMs: z.number().positive().max(MAX_TIMER_DELAY_MS).optional(),
  /** The executor slots the attempt takes (its cost's `slots`); absent: 1. An agent taking attempts ahead honours it. */
  slots: z.number().min(1).max(Bounds.capacity.max).optional(),
  /** Grants each naming many inputs held by one machine (a fan-in), referred to by index from the inputs' `fetch`. */
  sharedGrants: z.array(z.string().min(1)).max(10_000).optional(),
}).superRefine((item, ctx) => {
  const count = item.sharedGrants?.length ?? 0;
  const check = (inputs: readonly WireInput[], path: (string | number)[]): void => {
    inputs.forEach((input, index) => {
      if (input.kind === "inline") return check(input.inputs, [...path, index, "inputs"]);
      if (input.after !== undefined && input.fetch !== undefined) ctx.addIssue({ code: "custom", path: [...path, index, "after"], message: "an input made on this machine (after) is not fetched" });
      if (input.fetch !== undefined && "shared" in input.fetch && input.fetch.shared >= count) {
        ctx.addIssue({ code: "custom", path: [...path, index, "fetch", "shared"], message: `names shared grant ${input.fetch.shared} of ${count}` });
      }
    });
  };
  check(item.inputs, ["inputs"]);
});
export type TaskAssignItem = z.infer<typeof TaskAssignItem>;

/** `epoch`: the leader lease's epoch the assignments were decided under (replicas only); a lower one than the agent saw is refused. */
export const TaskAssign = z.object({ v: version, items: z.array(TaskAssignItem).min(1), epoch: leaseEpoch.optional() });
export type TaskAssign = z.infer<typeof TaskAssign>;

/** Replicas: `epoch` is the sender's leader epoch; an agent ignores an abort of a deposed leader (a lower one). */
export const TaskAbort = z.object({ v: version, attemptId: name, reason: z.enum(["cancelled", "timeout"]), epoch: leaseEpoch.optional() });
export type TaskAbort = z.infer<typeof TaskAbort>;

/** Store a value on this machine (the API's `storeResult`). */
export const ResultPut = z.object({ v: version, runId: name, taskId: name, value: z.unknown() });
export type ResultPut = z.infer<typeof ResultPut>;

export const AckError = z.object({ ok: z.literal(false), error: z.object({ kind: z.string().max(100), message: z.string().max(64 * 1024) }) });
export type AckError = z.infer<typeof AckError>;

// ---- replies (acks) ---------------------------------------------------------------------------

/** The server's answer to `agent:hello`: welcome, or why not. */
export const HelloReply = z.discriminatedUnion("ok", [z.object({ ok: z.literal(true), welcome: AgentWelcome }), AckError]);
export type HelloReply = z.infer<typeof HelloReply>;

/**
 * `functions:load` (server → agent, with ack): load these bundles (fetching the ones not cached) and offer the named
 * functions from them. Sent only to agents that said `fetchesFunctions`. The answer is the agent's whole catalogue now;
 * `refused` says why the bundles were not loaded (then the agent offers none of the names asked for, not even an older
 * version: a run gets the shipped version or no machine).
 */
export const FunctionsLoad = z.object({ v: version, bundles: z.array(BundleWant).min(1).max(100) });
export type FunctionsLoad = z.infer<typeof FunctionsLoad>;
export const FunctionsLoadReply = z.discriminatedUnion("ok", [z.object({ ok: z.literal(true), functions: z.array(FunctionMeta).max(10_000 + MAX_BUNDLE_FUNCTIONS), refused: z.string().max(64 * 1024).optional() }), AckError]);
export type FunctionsLoadReply = z.infer<typeof FunctionsLoadReply>;

/** The server's answer to `function:bundle`. */
export const BundleReply = z.discriminatedUnion("ok", [BundleGiven, AckError]);
export type BundleReply = z.infer<typeof BundleReply>;

/** The server's answer to `secret:resolve`. */
export const SecretResolveReply = z.discriminatedUnion("ok", [SecretResolved, AckError]);
export type SecretResolveReply = z.infer<typeof SecretResolveReply>;

/** The server's answer to `grant:refresh`. */
export const GrantRefreshReply = z.discriminatedUnion("ok", [GrantRefreshed, AckError]);
export type GrantRefreshReply = z.infer<typeof GrantRefreshReply>;

/** The agent's answer to `result:put`: where the stored value now is described. */
export const ResultPutReply = z.discriminatedUnion("ok", [z.object({ ok: z.literal(true), result: ResultMeta }), AckError]);
export type ResultPutReply = z.infer<typeof ResultPutReply>;

/** socket.io event names, commands imperative, events past tense. */
export const AgentEvent = {
  Challenge: "agent:challenge",
  Hello: "agent:hello",
  GrantRefresh: "grant:refresh",
  SecretResolve: "secret:resolve",
  FunctionBundle: "function:bundle",
  FunctionsLoad: "functions:load",
  /** An admin forgot this machine: the agent stops (a join token admits it again as a new machine). */
  MachineForgotten: "machine:forgotten",
  Heartbeat: "agent:heartbeat",
  TaskFinished: "task:finished",
  TaskLogs: "task:logs",
  TaskAssign: "task:assign",
  TaskAbort: "task:abort",
  ResultPut: "result:put",
  ResultEvicted: "result:evicted",
  RunEnded: "run:ended",
  ResultsPin: "results:pin",
  Reannounce: "agent:reannounce",
} as const;
