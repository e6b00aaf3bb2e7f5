import { TaskType, type DagSpec, type MachineName, type TaskId, type TaskSpec } from "../dag/model.ts";
import { allocate } from "./allocate.ts";
import type { AllocMachine, AllocateOptions, AllocTask } from "./allocation.ts";
import { placementCost, SLOT_ONLY } from "./attempt-cost.ts";
import { neededFunctions } from "./check-feasibility.ts";
import { collocationRoots } from "./collocation-roots.ts";
import { explainPlacement, type ExplainMachine, type PlacementExplanation } from "./explain.ts";

/** Where a task would start now; `machine: null` with the reason when it would not start. */
export interface PlacementPreview {
  readonly machine: MachineName | null;
  readonly reason?: string;
  /** The same explanation the scheduler records for an attempt (absent for inline tasks). */
  readonly explanation?: PlacementExplanation;
}

/** A machine for the preview: `status` defaults to online; only online machines are placed on, all are explained. */
export type PreviewMachine = AllocMachine & { readonly status?: ExplainMachine["status"] };

/**
 * Where each task would start right now, on its own, on `machines` (online ones, with their free capacity): the
 * editor's placement preview. It places with the scheduler's own costs (`attemptCost`, a collocation group's
 * `groupPlacementCost` where its first member goes) and order rules, so it says what a run would do. Safe on a DAG
 * with problems: it previews what it can.
 * @example previewPlacement(dag, [{ name: "m1", free: { slots: 2 }, functions: new Set(["f"]) }], { strategy: "first_available" })
 */
export function previewPlacement(dag: DagSpec, machines: readonly PreviewMachine[], options: AllocateOptions = {}): Record<TaskId, PlacementPreview> {
  const online = machines.filter((machine) => machine.status === undefined || machine.status === "online");
  const explained: ExplainMachine[] = machines.map((machine) => ({ ...machine, status: machine.status ?? "online" }));
  const explainOptions = { strategy: options.strategy ?? "first_available", ...(options.localMachine === undefined ? {} : { localMachine: options.localMachine }) } as const;
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
    const functions = (ids: readonly TaskSpec[]): string[] => [...new Set(ids.flatMap((member) => (needs.get(member.id) ?? []).map((need) => need.fn)))];
    if (placedOn !== undefined && members.length > 1) {
      const explanation = explainPlacement(
        { cost: SLOT_ONLY, functions: functions([task]), ...(placedOn === null ? {} : { pinnedTo: placedOn }), collocatedWith: root },
        explained,
        placedOn,
        explainOptions,
      );
      preview[task.id] =
        placedOn === null ? { machine: null, reason: `collocated with "${root}", which has no machine now`, explanation } : { machine: placedOn, reason: `collocated with "${root}"`, explanation };
      continue;
    }
    const rootPlacement = members.find((member) => member.id === root)?.placement ?? task.placement;
    const request: AllocTask = {
      id: task.id,
      cost: placementCost(members.map((member) => member.cost)),
      placement: rootPlacement?.kind === "pinned" ? rootPlacement : { kind: "auto" },
      functions: functions(members),
    };
    const result = allocate([request], online, options);
    const machine = result.placed.get(task.id) ?? null;
    groupMachine.set(root, machine);
    const pinnedTo = request.placement.kind === "pinned" ? request.placement.machine : undefined;
    const explanation = explainPlacement({ cost: request.cost, functions: request.functions ?? [], ...(pinnedTo === undefined ? {} : { pinnedTo }) }, explained, machine, explainOptions);
    preview[task.id] = machine !== null ? { machine, explanation } : { machine: null, reason: result.waiting.get(task.id)?.message ?? "no machine can take it now", explanation };
  }
  return preview;
}
