import type { MachineInfo } from "@handoff/core";

/** Core's view of a machine (for client-side feasibility checks) from the API's machine view. */
export function toMachineInfo(machine: { name: string; capacity: Record<string, number>; functions: readonly { name: string }[]; status: MachineInfo["status"] }): MachineInfo {
  return { name: machine.name, capacity: machine.capacity, functions: new Set(machine.functions.map((fn) => fn.name)), status: machine.status };
}
