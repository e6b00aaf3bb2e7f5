// The zod-free entry: this module is the layout worker's whole import graph (layout.worker.ts).
import { producerOf } from "@handoff/protocol/producer-of";
import type { TaskJson } from "@handoff/protocol";

export interface LayoutOptions {
  readonly nodeWidth: number;
  readonly nodeHeight: number;
  /** Space between layers (left to right). */
  readonly gapX: number;
  /** Space between tasks of one layer. */
  readonly gapY: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = { nodeWidth: 200, nodeHeight: 84, gapX: 80, gapY: 36 };

/**
 * Left-to-right layered layout: each task sits one layer right of its furthest producer (longest-path
 * layering), tasks within a layer are ordered by the mean position of their neighbours (a few barycentre
 * sweeps, which removes most crossings), and every layer is centred vertically. Edges that would close a
 * cycle (an invalid DAG being edited) are ignored, so the layout always terminates.
 * @example autoLayout([{ id: "a" }, { id: "b", args: ["a"] }]) // Map { a → {x:0,y:0}, b → {x:280,y:0} }
 */
export function autoLayout(tasks: readonly Pick<TaskJson, "id" | "args">[], options: LayoutOptions = DEFAULT_LAYOUT): Map<string, { x: number; y: number }> {
  const ids = new Set(tasks.map((task) => task.id));
  const producers = new Map<string, string[]>();
  for (const task of tasks) {
    const list: string[] = [];
    for (const arg of task.args ?? []) {
      const source = producerOf(arg);
      if (source !== null && ids.has(source) && source !== task.id && !list.includes(source)) list.push(source);
    }
    producers.set(task.id, list);
  }
  const acyclic = dropBackEdges(tasks.map((task) => task.id), producers);

  const layer = new Map<string, number>();
  const layerOf = (id: string): number => {
    const known = layer.get(id);
    if (known !== undefined) return known;
    // Iterative longest path: resolve producers first with an explicit stack (deep chains must not overflow).
    const stack = [id];
    while (stack.length > 0) {
      const current = stack[stack.length - 1]!;
      const pending = (acyclic.get(current) ?? []).filter((p) => !layer.has(p));
      if (pending.length > 0) {
        stack.push(...pending);
        continue;
      }
      stack.pop();
      const depth = Math.max(-1, ...(acyclic.get(current) ?? []).map((p) => layer.get(p)!)) + 1;
      layer.set(current, depth);
    }
    return layer.get(id)!;
  };

  const layers: string[][] = [];
  for (const task of tasks) {
    const depth = layerOf(task.id);
    (layers[depth] ??= []).push(task.id);
  }

  const consumers = new Map<string, string[]>();
  for (const [id, list] of acyclic) for (const producer of list) (consumers.get(producer) ?? consumers.set(producer, []).get(producer)!).push(id);
  const rank = new Map<string, number>();
  const setRanks = (ids: readonly string[]): void => ids.forEach((id, index) => rank.set(id, index));
  layers.forEach(setRanks);
  const sweep = (index: number, neighbours: Map<string, string[]>): void => {
    const current = layers[index];
    if (current === undefined) return;
    const score = (id: string): number => {
      const near = (neighbours.get(id) ?? []).map((n) => rank.get(n)!);
      return near.length === 0 ? rank.get(id)! : near.reduce((sum, value) => sum + value, 0) / near.length;
    };
    const scored = current.map((id, position) => ({ id, score: score(id), position }));
    scored.sort((a, b) => a.score - b.score || a.position - b.position);
    layers[index] = scored.map((entry) => entry.id);
    setRanks(layers[index]);
  };
  for (let round = 0; round < 4; round++) {
    for (let i = 1; i < layers.length; i++) sweep(i, acyclic);
    for (let i = layers.length - 2; i >= 0; i--) sweep(i, consumers);
  }

  const tallest = Math.max(0, ...layers.map((ids) => ids.length));
  const rowHeight = options.nodeHeight + options.gapY;
  const positions = new Map<string, { x: number; y: number }>();
  layers.forEach((ids, depth) => {
    const offset = ((tallest - ids.length) * rowHeight) / 2;
    ids.forEach((id, index) => positions.set(id, { x: depth * (options.nodeWidth + options.gapX), y: Math.round(offset + index * rowHeight) }));
  });
  return positions;
}

/** Producer lists without the edges that close cycles (found by an iterative depth-first search). */
function dropBackEdges(order: readonly string[], producers: ReadonlyMap<string, readonly string[]>): Map<string, string[]> {
  const result = new Map<string, string[]>();
  const state = new Map<string, 1 | 2>(); // 1 = on the stack, 2 = done
  for (const root of order) {
    if (state.has(root)) continue;
    const stack: { id: string; next: number }[] = [{ id: root, next: 0 }];
    state.set(root, 1);
    result.set(root, []);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const list = producers.get(frame.id) ?? [];
      if (frame.next >= list.length) {
        state.set(frame.id, 2);
        stack.pop();
        continue;
      }
      const producer = list[frame.next++]!;
      const seen = state.get(producer);
      if (seen === 1) continue;
      result.get(frame.id)!.push(producer);
      if (seen === undefined) {
        state.set(producer, 1);
        result.set(producer, []);
        stack.push({ id: producer, next: 0 });
      }
    }
  }
  return result;
}
