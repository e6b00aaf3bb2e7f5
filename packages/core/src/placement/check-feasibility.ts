import { TaskType, argSource, type DagSpec, type MachineName, type Resources, type TaskId, type TaskSpec } from "../dag/model.ts";
import type { DagProblem } from "../errors.ts";
import { attemptCost, placementCost } from "./attempt-cost.ts";
import { collocationRoots } from "./collocation-roots.ts";
import { describeLacks, fits, lacking } from "./resources.ts";
import { taskIndex } from "../dag/validate-dag.ts";

/** A machine as the submit-time check sees it. */
export interface MachineInfo {
  readonly name: MachineName;
  /** TOTAL capacity, including `slots`. */
  readonly capacity: Resources;
  readonly functions: ReadonlySet<string>;
  readonly status: "online" | "offline" | "draining";
}

/** A function a task needs on its own machine, and why. */
export interface FunctionNeed {
  readonly fn: string;
  readonly neededBy: string;
}

/** Adds a need unless the function is already listed (lists are short: a linear scan beats a Set). */
function addNeed(list: FunctionNeed[], fn: string, neededBy: string): void {
  for (const need of list) if (need.fn === fn) return;
  list.push({ fn, neededBy });
}

function isInline(task: TaskSpec): boolean {
  return task.type === TaskType.Inline;
}

/**
 * The functions each regular task needs on ITS OWN machine: its `fn`; the `fn` of every inline task
 * it consumes, transitively (inline tasks are evaluated on the consumer's machine) with the
 * transforms of the edges inside that inline chain; the decode of its own incoming edges; the encode
 * of every edge leaving it (encode runs on the producer's machine). Inline tasks get no entry.
 * A function is listed once, with the first reason found. A task that needs only its own `fn` gets that function's
 * one shared, frozen list (most tasks: no object per task, and `checkFeasibility` judges them once per list).
 *
 * @example
 * neededFunctions({ tasks: [{ id: "a", fn: "load" }, { id: "b", fn: "sum", args: [{ from: "a", encode: { fn: "zip" } }] }] })
 * // Map { "a" => [{ fn: "load", neededBy: "task" }, { fn: "zip", neededBy: "encode on edge a→b" }], "b" => [...] }
 */
export function neededFunctions(
  dag: DagSpec,
  /** `taskIndex(dag)` when the caller has it already. */
  byId: ReadonlyMap<TaskId, TaskSpec> = taskIndex(dag),
): Map<TaskId, readonly FunctionNeed[]> {

  const outgoingEncodes = new Map<TaskId, FunctionNeed[]>();
  for (const consumer of byId.values()) {
    for (const arg of consumer.args ?? []) {
      if (typeof arg === "string" || arg.encode === undefined) continue;
      const producer = byId.get(arg.from);
      if (producer === undefined || isInline(producer)) continue;
      let list = outgoingEncodes.get(producer.id);
      if (list === undefined) {
        list = [];
        outgoingEncodes.set(producer.id, list);
      }
      list.push({ fn: arg.encode.fn, neededBy: `encode on edge ${producer.id}→${consumer.id}` });
    }
  }

  const needs = new Map<TaskId, readonly FunctionNeed[]>();
  const ownOnly = new Map<string, readonly FunctionNeed[]>();
  for (const task of byId.values()) {
    if (isInline(task)) continue;
    if ((outgoingEncodes.size === 0 || !outgoingEncodes.has(task.id)) && needsOwnFnOnly(task, byId)) {
      let shared = ownOnly.get(task.fn);
      if (shared === undefined) {
        shared = Object.freeze([Object.freeze({ fn: task.fn, neededBy: "task" })]);
        ownOnly.set(task.fn, shared);
      }
      needs.set(task.id, shared);
      continue;
    }
    const list: FunctionNeed[] = [{ fn: task.fn, neededBy: "task" }];
    // Inputs of the task and of every inline task behind it, depth-first in argument order.
    let visited: Set<TaskId> | undefined;
    let stack: TaskSpec[] | undefined;
    let consumer: TaskSpec | undefined = task;
    while (consumer !== undefined) {
      if (consumer !== task) addNeed(list, consumer.fn, `inline dependency ${consumer.id}`);
      let inlineInputs: TaskSpec[] | undefined;
      for (const arg of consumer.args ?? []) {
        if (typeof arg !== "string" && arg.decode !== undefined) addNeed(list, arg.decode.fn, `decode on edge ${arg.from}→${consumer.id}`);
        const producer = byId.get(argSource(arg));
        if (producer === undefined || !isInline(producer)) continue;
        if (typeof arg !== "string" && arg.encode !== undefined) addNeed(list, arg.encode.fn, `encode on edge ${arg.from}→${consumer.id}`);
        visited ??= new Set<TaskId>();
        if (!visited.has(producer.id)) {
          visited.add(producer.id);
          (inlineInputs ??= []).push(producer);
        }
      }
      if (inlineInputs !== undefined) {
        stack ??= [];
        for (let i = inlineInputs.length - 1; i >= 0; i--) stack.push(inlineInputs[i]!);
      }
      consumer = stack?.pop();
    }
    for (const need of outgoingEncodes.get(task.id) ?? []) addNeed(list, need.fn, need.neededBy);
    needs.set(task.id, list);
  }
  return needs;
}

/** No decode on its inputs and no inline task among them: the task needs its own `fn` (and its outgoing encodes). */
function needsOwnFnOnly(task: TaskSpec, byId: ReadonlyMap<TaskId, TaskSpec>): boolean {
  for (const arg of task.args ?? []) {
    if (typeof arg !== "string" && arg.decode !== undefined) return false;
    const producer = byId.get(argSource(arg));
    if (producer !== undefined && isInline(producer)) return false;
  }
  return true;
}

interface GroupVerdict {
  readonly reason: string;
  readonly closestMachine: MachineName | null;
  readonly lacks: Readonly<Record<string, number>>;
}

function judgeGroup(
  root: TaskSpec,
  members: readonly TaskSpec[],
  needs: ReadonlyMap<TaskId, readonly FunctionNeed[]>,
  machines: readonly MachineInfo[],
  online: readonly MachineInfo[],
  offeredOnline: ReadonlySet<string>,
  eligibleCache: Map<string, readonly MachineInfo[]>,
): GroupVerdict | null {
  const placement = root.placement;
  let candidates = online;
  if (placement?.kind === "pinned") {
    const machine = machines.find((candidate) => candidate.name === placement.machine);
    if (machine === undefined) {
      return { reason: `pinned to machine "${placement.machine}", which is not a known machine`, closestMachine: null, lacks: {} };
    }
    if (machine.status !== "online") {
      return { reason: `pinned to machine "${machine.name}", which is ${machine.status}`, closestMachine: null, lacks: {} };
    }
    candidates = [machine];
  }
  const functions = groupFunctions(members, needs);
  // A function offered by no online machine at all is reported as unknown_function instead.
  for (const fn of functions) if (!offeredOnline.has(fn)) return null;
  const pinnedTo = placement?.kind === "pinned" ? placement.machine : "";
  const eligibilityKey = functions.length === 1 ? `${pinnedTo}\u0000${functions[0]!}` : `${pinnedTo}\u0000${[...functions].sort().join("\u0000")}`;
  let eligible = eligibleCache.get(eligibilityKey);
  if (eligible === undefined) {
    eligible = candidates.filter((machine) => functions.every((fn) => machine.functions.has(fn)));
    eligibleCache.set(eligibilityKey, eligible);
  }
  if (eligible.length === 0) {
    if (placement?.kind === "pinned") {
      const absent = functions.filter((fn) => !candidates[0]!.functions.has(fn)).join(", ");
      return { reason: `its pinned machine "${placement.machine}" does not offer ${absent}`, closestMachine: null, lacks: {} };
    }
    return { reason: `no single online machine offers all of ${functions.join(", ")}`, closestMachine: null, lacks: {} };
  }
  const cost = members.length === 1 ? attemptCost(members[0]!.cost) : placementCost(members.map((member) => member.cost));
  for (const machine of eligible) if (fits(machine.capacity, cost)) return null;
  let closest: MachineInfo | null = null;
  let closestLacks: Record<string, number> = {};
  let best = Number.POSITIVE_INFINITY;
  for (const machine of [...eligible].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const lacks = lacking(machine.capacity, cost);
    const shortfall = Object.values(lacks).reduce((sum, amount) => sum + amount, 0);
    if (shortfall < best) {
      best = shortfall;
      closest = machine;
      closestLacks = lacks;
    }
  }
  return {
    reason: `no eligible machine has room for ${describeLacks(cost)} in total; closest "${closest!.name}" lacks ${describeLacks(closestLacks)}`,
    closestMachine: closest!.name,
    lacks: closestLacks,
  };
}

/** The functions a group's machine must offer, each once, in the order its members need them. */
function groupFunctions(members: readonly TaskSpec[], needs: ReadonlyMap<TaskId, readonly FunctionNeed[]>): readonly string[] {
  const functions: string[] = [];
  for (const member of members) {
    for (const need of needs.get(member.id) ?? []) if (!functions.includes(need.fn)) functions.push(need.fn);
  }
  return functions;
}

/**
 * Submit-time check of a VALIDATED DAG against the known machines: may each task ever run? Reports
 * every problem (at most one per task and kind), never throws: `unknown_function` when no online
 * machine offers a function the task needs; `infeasible` when its collocation group is pinned to an
 * unknown or non-online machine, or when no online machine offering all of the group's functions has
 * the TOTAL capacity for the group's merged cost plus its slots.
 *
 * @example
 * checkFeasibility(dag, [{ name: "m1", capacity: { slots: 4, cpu: 2 }, functions: new Set(["f"]), status: "online" }])
 */
export function checkFeasibility(
  dag: DagSpec,
  machines: readonly MachineInfo[],
  /** Pass `neededFunctions(dag)` when you already have it; computed otherwise. */
  needs: ReadonlyMap<TaskId, readonly FunctionNeed[]> = neededFunctions(dag),
  /** `taskIndex(dag)` when the caller has it already. */
  byId: ReadonlyMap<TaskId, TaskSpec> = taskIndex(dag),
): DagProblem[] {
  const problems: DagProblem[] = [];
  const offeredOnline = new Set<string>();
  for (const machine of machines) if (machine.status === "online") for (const fn of machine.functions) offeredOnline.add(fn);

  const rootOf = collocationRoots(dag.tasks);
  const membersOf = new Map<TaskId, TaskSpec[]>();
  // Without collocation every task is its own group (the usual DAG): no member lists to build.
  if (rootOf.size > 0) for (const task of byId.values()) {
    if (isInline(task)) continue;
    const root = rootOf.get(task.id) ?? task.id;
    let members = membersOf.get(root);
    if (members === undefined) {
      members = [];
      membersOf.set(root, members);
    }
    members.push(task);
  }

  const verdicts = new Map<TaskId, GroupVerdict | null>();
  // A task alone in its group, unpinned and without a cost, is judged by its needs list alone: tasks that share one
  // (`neededFunctions` shares the usual list) share the verdict, judged once.
  const byNeeds = new Map<readonly FunctionNeed[], GroupVerdict | null>();
  const eligibleCache = new Map<string, readonly MachineInfo[]>();
  const online = machines.filter((machine) => machine.status === "online");
  for (const task of byId.values()) {
    if (isInline(task)) continue;
    const listed = needs.get(task.id);
    const taskNeeds = listed ?? [];
    let first: FunctionNeed | undefined;
    // Indexed: the usual needs list is a shared frozen one, which for…of walked with an iterator result per step.
    for (let i = 0; i < taskNeeds.length; i++) {
      const need = taskNeeds[i]!;
      if (offeredOnline.has(need.fn)) continue;
      first = need;
      break;
    }
    if (first !== undefined) {
      const missing = taskNeeds.filter((need) => !offeredOnline.has(need.fn));
      const all = missing.map((need) => `${need.fn} (${need.neededBy})`).join(", ");
      problems.push({
        kind: "unknown_function",
        taskId: task.id,
        fn: first.fn,
        neededBy: first.neededBy,
        message: `task "${task.id}" needs functions that no online machine offers: ${all}`,
      });
    }

    // One lookup of the task's needs, and none of its root when no task is collocated (most DAGs): once per task.
    const root = rootOf.size === 0 ? task.id : (rootOf.get(task.id) ?? task.id);
    const sharedNeeds = membersOf.size === 0 && task.cost === undefined && task.placement?.kind !== "pinned" ? listed : undefined;
    let verdict = sharedNeeds !== undefined ? byNeeds.get(sharedNeeds) : membersOf.size === 0 ? undefined : verdicts.get(root);
    if (verdict === undefined) {
      const rootTask = byId.get(root) ?? task;
      verdict = judgeGroup(rootTask, membersOf.get(root) ?? [task], needs, machines, online, offeredOnline, eligibleCache);
      if (sharedNeeds !== undefined) byNeeds.set(sharedNeeds, verdict);
      else if (membersOf.size > 0) verdicts.set(root, verdict);
    }
    if (verdict === null) continue;
    const size = membersOf.get(root)?.length ?? 1;
    const subject = size > 1 ? `task "${task.id}" (collocation group of ${size} tasks around "${root}")` : `task "${task.id}"`;
    problems.push({
      kind: "infeasible",
      taskId: task.id,
      closestMachine: verdict.closestMachine,
      lacks: verdict.lacks,
      message: `${subject} can never run: ${verdict.reason}`,
    });
  }
  return problems;
}
