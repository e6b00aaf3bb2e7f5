import type { TaskSpec } from "./model.ts";
import type { DagProblem } from "../errors.ts";

// The graph half of DAG validation: every dependency cycle, each with its shortest path through one task of its
// strongly connected component, in O(tasks + edges) and iteratively (a 100,000-task chain is fine).

const MAX_LISTED_CYCLE_MEMBERS = 10;

/** Each task's consumers in edge order, from the edges `from[e] → to[e]`. */
export function consumerLists(size: number, from: readonly number[], to: readonly number[]): number[][] {
  const count = new Int32Array(size);
  for (const producer of from) count[producer]! += 1;
  const lists = Array.from({ length: size }, (_, i): number[] => new Array<number>(count[i]!));
  count.fill(0);
  for (let e = 0; e < from.length; e++) lists[from[e]!]![count[from[e]!]!++] = to[e]!;
  return lists;
}

/** Strongly connected components with a cycle (size > 1, or a self-dependency), iterative Tarjan. */
export function findCycles(adjacency: readonly number[][], tasks: readonly TaskSpec[]): DagProblem[] {
  const n = adjacency.length;
  const order = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const edgePos = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const calls: number[] = [];
  const components: number[][] = [];
  let counter = 0;

  for (let root = 0; root < n; root++) {
    if (order[root] !== -1) continue;
    order[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    calls.push(root);
    while (calls.length > 0) {
      const v = calls[calls.length - 1]!;
      const edges = adjacency[v]!;
      if (edgePos[v]! < edges.length) {
        const w = edges[edgePos[v]!]!;
        edgePos[v]!++;
        if (order[w] === -1) {
          order[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          calls.push(w);
        } else if (onStack[w] === 1) {
          low[v] = Math.min(low[v]!, order[w]!);
        }
        continue;
      }
      calls.pop();
      if (calls.length > 0) {
        const parent = calls[calls.length - 1]!;
        low[parent] = Math.min(low[parent]!, low[v]!);
      }
      if (low[v] === order[v]) {
        if (stack[stack.length - 1] === v) {
          // A component of one task (every task of a valid DAG): a cycle only if it depends on itself.
          stack.pop();
          onStack[v] = 0;
          if (edges.includes(v)) components.push([v]);
          continue;
        }
        const component: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          component.push(w);
        } while (w !== v);
        components.push(component);
      }
    }
  }

  const inComponent = new Int32Array(n).fill(-1);
  const parent = new Int32Array(n).fill(-1);
  const found: { start: number; problem: DagProblem }[] = [];
  components.forEach((component, c) => {
    for (const i of component) inComponent[i] = c;
    const start = component.reduce((a, b) => Math.min(a, b));
    const path = shortestCycleThrough(start, adjacency, inComponent, c, parent).map((i) => tasks[i]!.id);
    const members = [...component].sort((a, b) => a - b).map((i) => tasks[i]!.id);
    let message = `tasks form a cycle: ${path.join(" → ")} (each task's result feeds the next)`;
    if (component.length > path.length - 1) {
      const listed = members.slice(0, MAX_LISTED_CYCLE_MEMBERS).join(", ");
      const more = members.length > MAX_LISTED_CYCLE_MEMBERS ? `, … (${members.length} in all)` : "";
      message += `; the tasks depending on each other in a loop are ${listed}${more}`;
    }
    found.push({ start, problem: { kind: "cycle", path, message } });
  });
  return found.sort((a, b) => a.start - b.start).map((entry) => entry.problem);
}

function shortestCycleThrough(
  start: number,
  adjacency: readonly number[][],
  inComponent: Int32Array,
  component: number,
  parent: Int32Array,
): number[] {
  const queue = [start];
  parent[start] = start;
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head]!;
    for (const w of adjacency[v]!) {
      if (w === start) {
        const path = [start];
        for (let u = v; u !== start; u = parent[u]!) path.push(u);
        path.push(start);
        // Built backwards from the closing edge; reverse all but the repeated start.
        return [start, ...path.slice(1, -1).reverse(), start];
      }
      if (inComponent[w] === component && parent[w] === -1) {
        parent[w] = v;
        queue.push(w);
      }
    }
  }
  return [start, start];
}
