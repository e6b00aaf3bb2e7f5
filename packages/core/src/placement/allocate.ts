import { collocationGroups } from "./collocation-groups.ts";
import { BatchPlacer, NO_ENTRIES } from "./batch-placer.ts";
import type { AllocateOptions, AllocMachine, AllocTask, Allocation, OnePlacement } from "./allocation.ts";

/**
 * Places a batch of ready tasks on eligible machines with their free capacity — Handoff's
 * SimpleAllocator adapted to placement at dispatch: where Handoff raises or falls back without
 * subtracting, the task (and its whole collocation group) is left in `waiting` with the reason.
 *
 * - `first_available` (Handoff's rules): machines sorted by name, the local one first; pinned roots,
 *   then dynamic roots, then collocated members; a dynamic task goes to the first machine that fits
 *   and that machine moves to the front (stickiness); a task with an empty cost goes to the first
 *   eligible machine of the current order and subtracts nothing.
 * - `load_balanced`: each root (pinned first, then dynamic) goes to the fitting machine that keeps the
 *   largest minimum fraction free (`(free − cost) / total`) over its positive cost keys, ties by name.
 *   A task without a positive cost key goes to the machine with the largest free `slots` fraction.
 *
 * @example
 * allocate([{ id: "a", cost: { cpu: 1 }, placement: { kind: "auto" } }], [{ name: "m1", free: { cpu: 2 } }])
 * // { placed: Map { "a" => "m1" }, waiting: Map {} }
 */
export function allocate(
  readyTasks: readonly AllocTask[],
  machines: readonly AllocMachine[],
  options: AllocateOptions = {},
): Allocation {
  if (readyTasks.length === 1 && readyTasks[0]!.placement.kind !== "collocated") {
    // One task, its own group: what the general path below arrives at, without its maps.
    const task = readyTasks[0]!;
    const one = allocateOne(task, machines, options);
    return one.machine !== undefined ? { placed: new Map([[task.id, one.machine]]), waiting: NO_ENTRIES } : { placed: NO_ENTRIES, waiting: new Map([[task.id, one.wait]]) };
  }
  const placer = new BatchPlacer(machines, options);
  const { groups, problems } = collocationGroups(readyTasks);
  for (const [id, problem] of problems) placer.wait(id, { kind: "no_eligible_machine", message: `task "${id}" cannot be placed: ${problem}` });

  for (const group of groups) if (group.root.placement.kind === "pinned") placer.place(group);
  for (const group of groups) if (group.root.placement.kind !== "pinned") placer.place(group);
  return { placed: placer.placed, waiting: placer.waiting };
}

/**
 * `allocate([task], machines, options)` for a task that is not collocated — the scheduler's usual batch of one — as
 * its placement or its reason to wait, without `allocate`'s maps (a map per decision was ~200 bytes of its garbage).
 * @example allocateOne({ id: "a", cost: { cpu: 1 }, placement: { kind: "auto" } }, [{ name: "m1", free: { cpu: 2 } }]) // { machine: "m1" }
 */
export function allocateOne(task: AllocTask, machines: readonly AllocMachine[], options: AllocateOptions = {}): OnePlacement {
  if (task.placement.kind === "collocated") throw new Error(`allocateOne: task "${task.id}" is collocated (allocate places its group)`);
  const placer = new BatchPlacer(machines, options, true);
  placer.place({ root: task, members: [] });
  return placer.one();
}
