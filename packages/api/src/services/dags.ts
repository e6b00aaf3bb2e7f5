import type { DagProblem, DagSpec, PlacementExplanation, Strategy } from "@handoff/core";
import type { DagRepository } from "@handoff/db";

/** Where each task would start right now, on its own (the editor's placement preview). */
export type PlacementPreview = Record<string, { machine: string | null; reason?: string; explanation?: PlacementExplanation }>;

/** Saved DAGs (versioned) and checks of a DAG against the live cluster. */
export interface DagsService extends Pick<DagRepository, "create" | "saveVersion" | "getByName" | "getVersion" | "listVersions" | "list"> {
  /** Validation and feasibility against the machines online now. */
  check(dag: DagSpec): DagProblem[];
  previewPlacement(dag: DagSpec, strategy: Strategy): PlacementPreview;
}
