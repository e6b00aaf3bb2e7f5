import { availableParallelism, totalmem } from "node:os";
import { withMachineSlots } from "@handoff/core";

/**
 * The capacity an agent announces: `cpu` = available parallelism and `memory` = total memory in MB, each overridden
 * by a key given explicitly, and `slots` (the executor pool size) by core's one rule, `machineSlots`: the given
 * `slots`, else the whole `cpu`. Other keys (`gpu`…) are only what is given.
 * @example detectCapacity({ gpu: 1, slots: 2 }) // { cpu: 8, memory: 15984, slots: 2, gpu: 1 }
 */
export function detectCapacity(given: Readonly<Record<string, number>> = {}): Record<string, number> {
  const parallelism = Math.max(1, availableParallelism());
  return { ...withMachineSlots({ cpu: parallelism, memory: Math.floor(totalmem() / (1024 * 1024)), ...given }) };
}
