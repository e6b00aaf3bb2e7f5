import type { ResultReference } from "@handoff/api";

/** What a succeeded attempt leaves behind in the cluster (the API's `ResultReference`): the value stays on `machine`. */
export type ResultRef = ResultReference;
