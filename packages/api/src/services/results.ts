import type { ResultMeta } from "@handoff/protocol";

/** Where a result lives and what it looks like; the value itself stays on `machine`. */
export interface ResultReference extends ResultMeta {
  readonly machine: string;
  /** Set when the holder dropped the value (retention or disk budget). */
  readonly evicted?: "retention" | "disk_budget";
  /** The holder's result store instance when the result was recorded. */
  readonly storeId?: string;
  /** Set when the value was lost with its machine (it came back with a new result store). */
  readonly lost?: { readonly at: number; readonly machine: string };
  /** The run the holder keeps the value under, when it is not the one asked about (a recompute run). */
  readonly heldUnder?: string;
  /** A lost value being recomputed: the recompute run. */
  readonly recomputedBy?: string;
  /** The code hash of the function that produced it (a re-run reuses the value only while it is unchanged). */
  readonly codeHash?: string;
}

/** Why a value could not be had, in the words the API answers with. */
export type ResultFailure =
  | { readonly kind: "not_found"; readonly message: string }
  | { readonly kind: "machine_offline"; readonly message: string }
  | { readonly kind: "evicted"; readonly message: string }
  | { readonly kind: "result_lost"; readonly message: string; readonly machine: string; readonly lostAt: string; readonly recomputedBy?: string }
  | { readonly kind: "too_large"; readonly message: string }
  | { readonly kind: "unreachable"; readonly message: string }
  | { readonly kind: "invalid_request"; readonly message: string };

export type Relayed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: ResultFailure };

export type Recomputed =
  | { readonly ok: true; readonly runId: string }
  | { readonly ok: false; readonly error: { readonly kind: "not_found" | "precondition_failed"; readonly message: string } };

/** Results: where they live, their values relayed from the holder, and recomputation from lineage. */
export interface ResultsService {
  /** The reference, waiting up to `timeoutMs` for it to exist. */
  reference(runId: string, taskId: string, timeoutMs: number): Promise<ResultReference | undefined>;
  /** Why the referenced value cannot be read now (lost, evicted, holder offline); undefined when it can. */
  unreadable(ref: ResultReference, taskId: string): ResultFailure | undefined;
  /** The value (JSON-safe: bytes as `{ $bytes: base64 }`) when it is at most `maxBytes`. */
  value(runId: string, taskId: string, fromMachine: string | undefined, maxBytes: number): Promise<Relayed<{ value: unknown; size: number; machine: string }>>;
  /** Stores a value on a named machine (through its agent) and records where it lives. */
  store(runId: string, taskId: string, value: unknown, machine: string): Promise<Relayed<ResultReference>>;
  lookup(runId: string, taskId: string): Promise<ResultReference | undefined>;
  /** Records that `machine` holds the value; false when the machine is unknown. */
  registerLocation(runId: string, taskId: string, machine: string): boolean;
  /** A new run of the value's lineage, linked to `runId` (`reason: "recompute"`). */
  recompute(startedBy: string | null, runId: string, taskId: string): Promise<Recomputed>;
}
