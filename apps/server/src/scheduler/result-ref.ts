import type { ResultMeta } from "@handoff/protocol";

/** What a succeeded attempt leaves behind in the cluster: a reference, the value stays on `machine`. */
export interface ResultRef extends ResultMeta {
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
}
