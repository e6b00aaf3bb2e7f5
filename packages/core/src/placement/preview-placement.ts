import { TaskType, type DagSpec, type MachineName, type TaskId, type TaskSpec } from "../dag/model.ts";
import { allocate, type AllocMachine, type AllocateOptions, type AllocTask } from "./allocate.ts";
import { placementCost } from "./attempt-cost.ts";
import { neededFunctions } from "./check-feasibility.ts";
import { collocationRoots } from "./collocation-roots.ts";

/** Where a task would start now; `machine: null` with the reason when it would not start. */
export interface PlacementPreview {
  readonly machine: MachineName | null;
  readonly reason?: string;
}

/**
 * Where each task would start right now, on its own, on `machines` (online ones, with their free capacity): the
 * editor's placement preview. It places with the scheduler's own costs (`attemptCost`, a collocation group's
 * `groupPlacementCost` where its first member goes) and order rules, so it says what a run would do. Safe on a DAG
 * with problems: it previews what it can.
 * @example previewPlacement(dag, [{ name: "m1", free: { slots: 2 }, functions: new Set(["f"]) }], { strategy: "first_available" })
 */
export function previewPlacement(dag: DagSpec, machines: readonly AllocMachine[], options: AllocateOptions = {}): Record<TaskId, PlacementPreview> {
  const needs = neededFunctions(dag);
  const roots = collocationRoots(dag.tasks);
  const membersOf = new Map<TaskId, TaskSpec[]>();
  for (const task of dag.tasks) {
    const root = roots.get(task.id);
    if (root === undefined || task.type === TaskType.Inline) continue;
    const members = membersOf.get(root);
    if (members === undefined) membersOf.set(root, [task]);
    else members.push(task);
  }
  const groupMachine = new Map<TaskId, MachineName | null>();
  const preview: Record<TaskId, PlacementPreview> = {};
  for (const task of dag.tasks) {
    if (task.type === TaskType.Inline) {
      preview[task.id] = { machine: null, reason: "inline: evaluated on each consumer's machine" };
      continue;
    }
    const root = roots.get(task.id) ?? task.id;
    const members = membersOf.get(root) ?? [task];
    const placedOn = groupMachine.get(root);
    if (placedOn !== undefined && members.length > 1) {
      preview[task.id] = placedOn === null ? { machine: null, reason: `collocated with "${root}", which has no machine now` } : { machine: placedOn, reason: `collocated with "${root}"` };
      continue;
    }
    const rootPlacement = members.find((member) => member.id === root)?.placement ?? task.placement;
    const request: AllocTask = {
      id: task.id,
      cost: placementCost(members.map((member) => member.cost)),
      placement: rootPlacement?.kind === "pinned" ? rootPlacement : { kind: "auto" },
      functions: [...new Set(members.flatMap((member) => (needs.get(member.id) ?? []).map((need) => need.fn)))],
    };
    const result = allocate([request], machines, options);
    const machine = result.placed.get(task.id) ?? null;
    groupMachine.set(root, machine);
    preview[task.id] = machine !== null ? { machine } : { machine: null, reason: result.waiting.get(task.id)?.message ?? "no machine can take it now" };
  }
  return preview;
}
