import type { FunctionInputs, TaskJson } from "@handoff/protocol";
import { LIST_HANDLE, NEW_ARG_HANDLE, argHandle } from "../dag-editor/flow-types.ts";

export interface InputPort {
  readonly id: string;
  readonly label: string;
  /** The free port that appends a new argument. */
  readonly isNew: boolean;
}

/**
 * The input ports a task card shows, top to bottom in argument order: an `as_list` task has one collecting
 * port; a function with named inputs shows one port per name; otherwise one port per argument plus a free
 * port that appends one. Read-only canvases (a run) show no free port.
 */
export function inputPorts(task: Pick<TaskJson, "args" | "argumentInclusion">, inputs: FunctionInputs | undefined, isEditable: boolean): InputPort[] {
  if (task.argumentInclusion === "as_list") return [{ id: LIST_HANDLE, label: "list", isNew: false }];
  const count = task.args?.length ?? 0;
  if (inputs?.kind === "named") {
    const total = Math.max(inputs.names.length, count);
    return Array.from({ length: total }, (_, i) => ({ id: argHandle(i), label: inputs.names[i] ?? String(i), isNew: false }));
  }
  const ports: InputPort[] = Array.from({ length: count }, (_, i) => ({ id: argHandle(i), label: String(i), isNew: false }));
  if (isEditable) ports.push({ id: NEW_ARG_HANDLE, label: "+", isNew: true });
  return ports;
}
