import { previewPlacement as previewInCore, type DagSpec, type PlacementPreview as TaskPreview, type Resources, type Strategy } from "@handoff/core";
import type { LiveMachine } from "./live-machine.ts";

export type PlacementPreview = Record<string, TaskPreview>;

export interface PreviewContext {
  readonly machines: Iterable<LiveMachine>;
  readonly free: (name: string) => Resources;
  readonly localMachine?: string;
}

/** Where each task would start right now, on its own, under `strategy` (the editor's placement preview): core's
 * `previewPlacement` over the online machines and their free capacity. */
export function previewPlacement(ctx: PreviewContext, dag: DagSpec, strategy: Strategy): PlacementPreview {
  // Every known machine: only online ones are placed on; draining and offline ones are counted in the explanation.
  const machines = [...ctx.machines].map((machine) => ({
    name: machine.name,
    status: machine.status,
    free: ctx.free(machine.name),
    total: machine.capacity,
    functions: new Set(machine.functions.map((fn) => fn.name)),
  }));
  return previewInCore(dag, machines, { strategy, ...(ctx.localMachine === undefined ? {} : { localMachine: ctx.localMachine }) });
}
