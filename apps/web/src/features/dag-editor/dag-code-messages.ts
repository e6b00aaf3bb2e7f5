import type { DagCodeImport } from "@handoff/dag-code/import";

/** What the dag-code worker receives: a module's text to parse (never run). */
export interface DagCodeRequest {
  readonly id: number;
  readonly text: string;
  readonly fileName: string;
}

export interface DagCodeResponse {
  readonly id: number;
  readonly result: DagCodeImport;
}
