import {
  argSource,
  type DagSpec,
  type EdgeTransform,
  type Placement,
  type Resources,
  type TaskId,
  type TaskSpec,
} from "../dag/model.ts";
import { mergeCosts } from "../placement/resources.ts";

/** One input of a compiled task, in call order. */
export interface CompiledInput {
  /** Index of the producing task. */
  readonly source: number;
  readonly encode: EdgeTransform | undefined;
  readonly decode: EdgeTransform | undefined;
}

export interface CompiledTask {
  readonly index: number;
  readonly spec: TaskSpec;
  readonly id: TaskId;
  readonly isInline: boolean;
  readonly inputs: readonly CompiledInput[];
  /** Regular tasks this task waits for: direct ones and those behind inline inputs, transitively. */
  readonly deps: readonly number[];
  /** Regular tasks that wait for this one. */
  readonly dependents: number[];
  /** Collocation group root (the task itself when not collocated). */
  readonly group: number;
  readonly cost: Resources;
  readonly placement: Placement;
}

export interface CompiledGroup {
  readonly root: number;
  /** Regular members, root included. */
  readonly members: readonly number[];
  /** Key-wise sum of the members' costs. */
  readonly mergedCost: Resources;
  /** Every function the group's machine must offer. */
  readonly functions: readonly string[];
  readonly placement: Placement;
}

export interface CompiledDag {
  readonly tasks: readonly CompiledTask[];
  readonly byId: ReadonlyMap<TaskId, number>;
  readonly groups: ReadonlyMap<number, CompiledGroup>;
  /** Functions each regular task needs on its own machine. */
  readonly functions: readonly (readonly string[])[];
  readonly regularCount: number;
}

/**
 * Index a validated DAG for the scheduler: readiness counters count regular dependencies only,
 * with an inline input replaced by the regular tasks behind it (Handoff's inline readiness bug, fixed).
 */
export function compileDag(
  dag: DagSpec,
  neededFunctions: ReadonlyMap<TaskId, readonly { fn: string }[]>,
): CompiledDag {
  const byId = new Map<TaskId, number>();
  dag.tasks.forEach((task, index) => byId.set(task.id, index));
  const indexOf = (id: TaskId): number => {
    const index = byId.get(id);
    if (index === undefined) throw new Error(`compileDag: unknown task "${id}" (validate the DAG first)`);
    return index;
  };

  const inputsOf = dag.tasks.map((task) =>
    (task.args ?? []).map(
      (arg): CompiledInput => ({
        source: indexOf(argSource(arg)),
        encode: typeof arg === "string" ? undefined : arg.encode,
        decode: typeof arg === "string" ? undefined : arg.decode,
      }),
    ),
  );
  const isInline = dag.tasks.map((task) => task.type === "inline");

  const inlineDeps = new Map<number, readonly number[]>();
  const regularDepsBehindInline = (index: number): readonly number[] => {
    const known = inlineDeps.get(index);
    if (known) return known;
    const found = new Set<number>();
    const stack = [index];
    const seen = new Set<number>([index]);
    while (stack.length > 0) {
      const current = stack.pop()!;
      for (const input of inputsOf[current]!) {
        if (isInline[input.source]) {
          if (!seen.has(input.source)) {
            seen.add(input.source);
            stack.push(input.source);
          }
        } else {
          found.add(input.source);
        }
      }
    }
    const deps = [...found];
    inlineDeps.set(index, deps);
    return deps;
  };

  const groupOf = dag.tasks.map((_, index) => index);
  const rootOf = (index: number): number => {
    let current = index;
    for (let hops = 0; hops <= dag.tasks.length; hops++) {
      const placement = dag.tasks[current]!.placement;
      if (placement?.kind !== "collocated") return current;
      current = indexOf(placement.with);
    }
    throw new Error(`compileDag: collocation cycle at "${dag.tasks[index]!.id}" (validate the DAG first)`);
  };

  const tasks: CompiledTask[] = dag.tasks.map((spec, index) => {
    const deps = new Set<number>();
    if (!isInline[index]) {
      for (const input of inputsOf[index]!) {
        if (isInline[input.source]) for (const dep of regularDepsBehindInline(input.source)) deps.add(dep);
        else deps.add(input.source);
      }
      groupOf[index] = rootOf(index);
    }
    return {
      index,
      spec,
      id: spec.id,
      isInline: isInline[index]!,
      inputs: inputsOf[index]!,
      deps: [...deps],
      dependents: [],
      group: groupOf[index]!,
      cost: spec.cost ?? {},
      placement: spec.placement ?? { kind: "auto" },
    };
  });
  for (const task of tasks) for (const dep of task.deps) tasks[dep]!.dependents.push(task.index);

  const functions = tasks.map((task) => (task.isInline ? [] : (neededFunctions.get(task.id) ?? []).map((need) => need.fn)));

  const membersByRoot = new Map<number, number[]>();
  for (const task of tasks) {
    if (task.isInline) continue;
    const members = membersByRoot.get(task.group);
    if (members) members.push(task.index);
    else membersByRoot.set(task.group, [task.index]);
  }
  const groups = new Map<number, CompiledGroup>();
  for (const [root, members] of membersByRoot) {
    if (members.length < 2) continue;
    groups.set(root, {
      root,
      members,
      mergedCost: mergeCosts(members.map((member) => tasks[member]!.cost)),
      functions: [...new Set(members.flatMap((member) => functions[member]!))],
      placement: tasks[root]!.placement,
    });
  }

  return { tasks, byId, groups, functions, regularCount: tasks.filter((task) => !task.isInline).length };
}
