import {
  argSource,
  type DagSpec,
  type EdgeTransform,
  type Placement,
  type Resources,
  type TaskId,
  type TaskSpec,
} from "../dag/model.ts";
import { taskPositions } from "../dag/validate-dag.ts";
import { mergeCosts } from "../placement/resources.ts";
import { SLOT_ONLY, attemptCost } from "../placement/attempt-cost.ts";
import { collocationRoots } from "../placement/collocation-roots.ts";

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
  /** What one attempt claims: its cost with at least one `slots` (a collocated member: the slot only). */
  readonly attemptCost: Resources;
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
 * A regular task with no regular dependency: submitting a run with nothing resumed queues it at once
 * (`waiting_for_resources`, `READY_REASON`), so its row can be inserted in that state.
 */
export function isReadyAtSubmission(task: CompiledTask): boolean {
  return !task.isInline && task.deps.length === 0;
}

/**
 * Index a validated DAG for the scheduler: readiness counters count regular dependencies only,
 * with an inline input replaced by the regular tasks behind it (Handoff's inline readiness bug, fixed).
 */
export function compileDag(
  dag: DagSpec,
  neededFunctions: ReadonlyMap<TaskId, readonly { fn: string }[]>,
  /** `taskPositions(dag.tasks)` when the caller has it already (the DAG is valid: no id is used twice). */
  positions?: ReadonlyMap<TaskId, number>,
): CompiledDag {
  const specs = dag.tasks;
  const byId = positions ?? taskPositions(specs);
  const indexOf = (id: TaskId): number => {
    const index = byId.get(id);
    if (index === undefined) throw new Error(`compileDag: unknown task "${id}" (validate the DAG first)`);
    return index;
  };

  const inputsOf = specs.map((task) =>
    (task.args ?? []).map(
      (arg): CompiledInput =>
        typeof arg === "string"
          ? { source: indexOf(arg), encode: undefined, decode: undefined }
          : { source: indexOf(argSource(arg)), encode: arg.encode, decode: arg.decode },
    ),
  );
  const isInline = specs.map((task) => task.type === "inline");

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

  const roots = collocationRoots(specs);
  const rootOf = (index: number): number => {
    const id = specs[index]!.id;
    return indexOf(roots.get(id) ?? id);
  };

  // Collocation first (rare): which roots have members, so attempt costs can be set in one pass.
  const groupOf = new Int32Array(specs.length);
  const groupedRoots = new Set<number>();
  for (let index = 0; index < specs.length; index++) {
    groupOf[index] = index;
    if (isInline[index] || specs[index]!.placement?.kind !== "collocated") continue;
    groupOf[index] = rootOf(index);
    groupedRoots.add(groupOf[index]!);
  }

  const functionLists = new Map<string, readonly string[]>();
  const functions: (readonly string[])[] = [];
  let regularCount = 0;
  const depsOf = specs.map((_, index) => (isInline[index] ? NO_DEPS : regularDeps(inputsOf[index]!, isInline, regularDepsBehindInline)));
  const dependentsOf = dependentLists(depsOf);
  const tasks: CompiledTask[] = specs.map((spec, index) => {
    const deps = depsOf[index]!;
    const cost = spec.cost ?? NO_COST;
    const group = groupOf[index]!;
    const isGrouped = groupedRoots.has(group);
    if (!isInline[index]) regularCount += 1;
    functions.push(isInline[index] ? [] : functionsOf(neededFunctions.get(spec.id), functionLists));
    return {
      index,
      spec,
      id: spec.id,
      isInline: isInline[index]!,
      inputs: inputsOf[index]!,
      deps,
      dependents: dependentsOf[index]!,
      group,
      cost,
      attemptCost: isGrouped ? SLOT_ONLY : attemptCost(spec.cost),
      placement: spec.placement ?? AUTO,
    };
  });

  const groups = new Map<number, CompiledGroup>();
  if (groupedRoots.size > 0) {
    const membersByRoot = new Map<number, number[]>();
    for (const task of tasks) {
      if (task.isInline || !groupedRoots.has(task.group)) continue;
      const members = membersByRoot.get(task.group);
      if (members) members.push(task.index);
      else membersByRoot.set(task.group, [task.index]);
    }
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
  }

  return { tasks, byId, groups, functions, regularCount };
}
const AUTO: Placement = Object.freeze({ kind: "auto" });
/** A task without a cost: one shared empty cost, not an object per task kept as long as the run. */
const NO_COST: Resources = Object.freeze({});

const NO_DEPS: readonly number[] = Object.freeze([]);

/**
 * Who waits for each task, in task order, each list made at its size: a list grown by `push` from `[]` reserves room
 * for 17, and these live as long as the run (~150 bytes a task, heap profile 2026-12-02).
 */
function dependentLists(depsOf: readonly (readonly number[])[]): number[][] {
  // Indexed loops: a task without deps has the shared frozen list, which for…of walked with an iterator result.
  const count = new Int32Array(depsOf.length);
  for (let index = 0; index < depsOf.length; index++) {
    const deps = depsOf[index]!;
    for (let i = 0; i < deps.length; i++) count[deps[i]!]! += 1;
  }
  const lists = Array.from({ length: depsOf.length }, (_, index): number[] => (count[index] === 0 ? [] : new Array<number>(count[index]!)));
  const filled = new Int32Array(depsOf.length);
  for (let index = 0; index < depsOf.length; index++) {
    const deps = depsOf[index]!;
    for (let i = 0; i < deps.length; i++) {
      const dep = deps[i]!;
      lists[dep]![filled[dep]!++] = index;
    }
  }
  return lists;
}

/** Direct regular inputs and the regular tasks behind inline ones, each once, in argument order. */
function regularDeps(
  inputs: readonly CompiledInput[],
  isInline: readonly boolean[],
  behindInline: (index: number) => readonly number[],
): readonly number[] {
  if (isPlainFewInputs(inputs, isInline)) return inputs.map((input) => input.source); // exact size, no scan
  const deps: number[] = [];
  // A linear scan beats a Set for the usual handful of inputs; a wide fan-in gets the Set.
  const seen = inputs.length > 16 ? new Set<number>() : undefined;
  for (const input of inputs) {
    if (isInline[input.source]) for (const dep of behindInline(input.source)) addOnce(deps, seen, dep);
    else addOnce(deps, seen, input.source);
  }
  return deps;
}

/** At most 16 inputs, all regular and each a different task: the deps are the inputs' sources as they are. */
function isPlainFewInputs(inputs: readonly CompiledInput[], isInline: readonly boolean[]): boolean {
  if (inputs.length > 16) return false;
  for (let i = 0; i < inputs.length; i++) {
    const source = inputs[i]!.source;
    if (isInline[source]) return false;
    for (let j = 0; j < i; j++) if (inputs[j]!.source === source) return false;
  }
  return true;
}

function addOnce(deps: number[], seen: Set<number> | undefined, dep: number): void {
  if (seen ? seen.has(dep) : deps.includes(dep)) return;
  seen?.add(dep);
  deps.push(dep);
}

/** The function names of one task's needs; equal lists share one array (most tasks need one function). */
function functionsOf(needs: readonly { fn: string }[] | undefined, known: Map<string, readonly string[]>): readonly string[] {
  if (needs === undefined || needs.length === 0) return NO_FUNCTIONS;
  if (needs.length > 1) return needs.map((need) => need.fn);
  const fn = needs[0]!.fn;
  let list = known.get(fn);
  if (list === undefined) {
    list = Object.freeze([fn]);
    known.set(fn, list);
  }
  return list;
}

const NO_FUNCTIONS: readonly string[] = Object.freeze([]);
