import { availableParallelism, totalmem } from "node:os";

/**
 * The capacity an agent announces: `cpu` = available parallelism, `memory` = total memory in MB and `slots` (the
 * executor pool size) = available parallelism, each overridden by a key given explicitly; other keys (`gpu`…) are
 * only what is given.
 * @example detectCapacity({ gpu: 1, slots: 2 }) // { cpu: 8, memory: 15984, slots: 2, gpu: 1 }
 */
export function detectCapacity(given: Readonly<Record<string, number>> = {}): Record<string, number> {
  const parallelism = Math.max(1, availableParallelism());
  return { cpu: parallelism, memory: Math.floor(totalmem() / (1024 * 1024)), slots: parallelism, ...given };
}
