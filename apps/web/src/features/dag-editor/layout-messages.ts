import type { TaskJson } from "@handoff/protocol";

/** What the layout worker receives: the tasks' ids and inputs only (positions are what it computes). */
export interface LayoutRequest {
  readonly id: number;
  readonly tasks: readonly Pick<TaskJson, "id" | "args">[];
}

export interface LayoutResponse {
  readonly id: number;
  readonly positions: readonly (readonly [string, { x: number; y: number }])[];
}
