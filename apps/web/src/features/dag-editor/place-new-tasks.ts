import type { DagFile, TaskJson } from "@handoff/protocol";
import { freePosition } from "../canvas/free-position.ts";
import { APPROX_NODE_SIZE } from "../canvas/overview.ts";

type Position = { x: number; y: number };

function boxes(tasks: readonly TaskJson[]) {
  return tasks.flatMap((task) => (task.position === undefined ? [] : [{ ...task.position, ...APPROX_NODE_SIZE }]));
}

/** Where a new card wanted at `desired` goes: there, or the nearest spot overlapping no card of `file`. */
export function placeNewTask(file: DagFile, desired: Position): Position {
  return freePosition(desired, boxes(file.tasks));
}

/**
 * The offset to paste `clipboard` at: `preferred` (the usual small shift from the copied cards) when the
 * pasted cards overlap none of `file`'s, else the nearest offset where none do.
 */
export function placePasted(file: DagFile, clipboard: readonly TaskJson[], preferred: Position): Position {
  const group = boxes(clipboard);
  if (group.length === 0) return preferred;
  return freePosition(preferred, boxes(file.tasks), group);
}
