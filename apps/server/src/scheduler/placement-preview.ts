import { allocate, neededFunctions, type DagSpec, type Resources, type Strategy } from "@handoff/core";
import type { LiveMachine } from "./live-machine.ts";

export type PlacementPreview = Record<string, { machine: string | null; reason?: string }>;

export interface PreviewContext {
  readonly machines: Iterable<LiveMachine>;
  readonly free: (name: string) => Resources;
  readonly localMachine?: string;
}

/** Where each task would start right now, on its own, under `strategy` (the editor's placement preview). */
export function previewPlacement(ctx: PreviewContext, dag: DagSpec, strategy: Strategy): PlacementPreview {
  const needs = neededFunctions(dag);
  const machines = [...ctx.machines]
    .filter((machine) => machine.status === "online")
    .map((machine) => ({ name: machine.name, free: ctx.free(machine.name), total: machine.capacity, functions: new Set(machine.functions.map((fn) => fn.name)) }));
  const preview: PlacementPreview = {};
  const placedOf = new Map<string, string>();
  for (const task of dag.tasks) {
    if (task.type === "inline") {
      preview[task.id] = { machine: null, reason: "inline: evaluated on each consumer's machine" };
      continue;
    }
    const placement = task.placement ?? { kind: "auto" as const };
    if (placement.kind === "collocated" && placedOf.has(placement.with)) {
      const machine = placedOf.get(placement.with)!;
      placedOf.set(task.id, machine);
      preview[task.id] = { machine, reason: `collocated with "${placement.with}"` };
      continue;
    }
    const result = allocate(
      [{ id: task.id, cost: { ...task.cost, slots: Math.max(1, task.cost?.["slots"] ?? 1) }, placement: placement.kind === "collocated" ? { kind: "auto" } : placement, functions: (needs.get(task.id) ?? []).map((need) => need.fn) }],
      machines,
      { strategy, ...(ctx.localMachine === undefined ? {} : { localMachine: ctx.localMachine }) },
    );
    const machine = result.placed.get(task.id);
    if (machine !== undefined) {
      placedOf.set(task.id, machine);
      preview[task.id] = { machine };
    } else {
      preview[task.id] = { machine: null, reason: result.waiting.get(task.id)?.message ?? "no machine can take it now" };
    }
  }
  return preview;
}
