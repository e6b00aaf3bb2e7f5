import { totalmem } from "node:os";

const MIB = 2 ** 20;
/** The default memory budget: this share of the machine's memory, within the bounds below. */
const SHARE_OF_MACHINE = 0.25;
const MIN_BUDGET_BYTES = 256 * MIB;
const MAX_BUDGET_BYTES = 64 * 1024 * MIB;

/**
 * How many bytes of results an agent keeps in memory before spilling to disk when `--memory-budget-mb` is not given:
 * a quarter of the machine's memory, at least 256 MiB and at most 64 GiB. A value within the budget never touches
 * disk, which a 256 MiB transfer measured as the largest cost after the copies (a spill of the previous value).
 *
 * @example
 * defaultMemoryBudgetBytes(16 * 2 ** 30); // 4 GiB
 */
export function defaultMemoryBudgetBytes(machineBytes: number = totalmem()): number {
  const share = Math.floor((Number.isFinite(machineBytes) && machineBytes > 0 ? machineBytes : 0) * SHARE_OF_MACHINE);
  return Math.min(MAX_BUDGET_BYTES, Math.max(MIN_BUDGET_BYTES, share));
}
