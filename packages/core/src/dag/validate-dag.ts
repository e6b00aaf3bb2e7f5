import { ArgumentInclusion, TaskType, argSource, type DagSpec, type TaskArg, type TaskId, type TaskSpec } from "./model.ts";
import { RETRYABLE_ERROR_KINDS, type DagProblem } from "../errors.ts";
import { boundProblem, Bounds, valueDepthProblem, type NumberBound } from "../limits/bounds.ts";
import { validateSignatures, type SignatureContext } from "./validate-signatures.ts";
import { consumerLists, findCycles } from "./find-cycles.ts";

type Problems = DagProblem[];

const TASK_TYPES: ReadonlySet<unknown> = new Set(Object.values(TaskType));
const ARGUMENT_INCLUSIONS: ReadonlySet<unknown> = new Set(Object.values(ArgumentInclusion));
const EDGE_SIDES = ["encode", "decode"] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}

/** Map of task id → task, first occurrence winning (duplicates are a validation problem). */
export function taskIndex(dag: DagSpec): Map<TaskId, TaskSpec> {
  const index = new Map<TaskId, TaskSpec>();
  for (const task of dag.tasks) if (!index.has(task.id)) index.set(task.id, task);
  return index;
}

/**
 * Each task's position by id, the first occurrence winning (a later one is a duplicate, a validation problem); tasks
 * without a usable id are left out. `validateDag` and `compileDag` share it when the scheduler has it (one map per submit).
 */
export function taskPositions(tasks: readonly unknown[]): Map<TaskId, number> {
  const byId = new Map<TaskId, number>();
  for (let position = 0; position < tasks.length; position++) {
    const raw = tasks[position];
    if (isRecord(raw) && isNonEmptyString(raw.id) && byId.get(raw.id) === undefined) byId.set(raw.id, position);
  }
  return byId;
}

function describeArgProblem(arg: unknown): string | null {
  if (typeof arg === "string") return arg.length > 0 ? null : "is an empty task id";
  if (!isRecord(arg)) return "must be a task id or an edge { from, encode?, decode? }";
  if (!isNonEmptyString(arg.from)) return "is an edge without a `from` task id";
  for (const side of EDGE_SIDES) {
    const transform = arg[side];
    if (transform === undefined) continue;
    if (!isRecord(transform) || !isNonEmptyString(transform.fn)) return `has a ${side} transform without a function name`;
    if (transform.args !== undefined && !Array.isArray(transform.args)) return `has ${side}.args that is not a list`;
  }
  return null;
}

interface TaskAt {
  readonly problems: Problems;
  readonly taskId: TaskId | null;
  readonly position: number;
}

function invalid(at: TaskAt, field: string, message: string): void {
  const name = at.taskId === null ? `task at position ${at.position}` : `task "${at.taskId}"`;
  at.problems.push({ kind: "invalid_task", taskId: at.taskId, field, message: `${name}: ${message}` });
}

function checkTask(raw: unknown, position: number, problems: Problems): void {
  if (!isRecord(raw)) {
    problems.push({ kind: "invalid_task", taskId: null, field: "id", message: `task at position ${position} is not an object` });
    return;
  }
  const taskId = isNonEmptyString(raw.id) ? raw.id : null;
  // A module-level helper, not a closure per task: this runs for each of 100,000 tasks.
  const at: TaskAt = { problems, taskId, position };

  if (taskId === null) invalid(at, "id", typeof raw.id === "string" ? "id is empty" : "id must be a non-empty string");
  if (!isNonEmptyString(raw.fn)) invalid(at, "fn", "fn must be a non-empty function name");

  if (raw.args !== undefined) {
    if (!Array.isArray(raw.args)) invalid(at, "args", "args must be a list");
    else {
      const args: readonly unknown[] = raw.args;
      for (let i = 0; i < args.length; i++) {
        const problem = describeArgProblem(args[i]);
        if (problem !== null) invalid(at, `args[${i}]`, `argument ${i} ${problem}`);
      }
    }
  }
  if (raw.extraArgs !== undefined && !Array.isArray(raw.extraArgs)) invalid(at, "extraArgs", "extraArgs must be a list");
  if (raw.argumentInclusion !== undefined && !ARGUMENT_INCLUSIONS.has(raw.argumentInclusion)) {
    invalid(at, "argumentInclusion", `argumentInclusion must be one of ${[...ARGUMENT_INCLUSIONS].join(", ")}`);
  }
  if (raw.type !== undefined && !TASK_TYPES.has(raw.type)) invalid(at, "type", `type must be one of ${[...TASK_TYPES].join(", ")}`);

  if (raw.placement !== undefined) {
    const placement = raw.placement;
    if (!isRecord(placement)) invalid(at, "placement", "placement must be { kind: auto | pinned | collocated }");
    else if (placement.kind === "pinned") {
      if (!isNonEmptyString(placement.machine)) invalid(at, "placement.machine", "a pinned placement needs a machine name");
    } else if (placement.kind === "collocated") {
      if (!isNonEmptyString(placement.with)) invalid(at, "placement.with", "a collocated placement needs the id of a task");
    } else if (placement.kind !== "auto") invalid(at, "placement", "placement kind must be auto, pinned or collocated");
    if (raw.type === TaskType.Inline && isRecord(placement) && placement.kind !== "auto") {
      invalid(at, "placement", "an inline task runs on its consumer's machine and cannot be pinned or collocated");
    }
  }

  if (raw.cost !== undefined) {
    if (!isRecord(raw.cost)) invalid(at, "cost", "cost must be a map of resource name to amount");
    else for (const [key, amount] of Object.entries(raw.cost)) checkBound(at, `cost.${key}`, Bounds.capacity, amount);
  }
  if (raw.maxRetries !== undefined) checkBound(at, "maxRetries", Bounds.maxRetries, raw.maxRetries);
  if (raw.timeoutMs !== undefined) checkBound(at, "timeoutMs", Bounds.timeoutMs, raw.timeoutMs);
  if (raw.retryBackoff !== undefined) {
    const backoff = raw.retryBackoff;
    if (!isRecord(backoff)) invalid(at, "retryBackoff", "retryBackoff must be { initialMs, factor?, maxMs? }");
    else {
      checkBound(at, "retryBackoff.initialMs", Bounds.backoffInitialMs, backoff.initialMs);
      if (backoff.factor !== undefined) checkBound(at, "retryBackoff.factor", Bounds.backoffFactor, backoff.factor);
      if (backoff.maxMs !== undefined) checkBound(at, "retryBackoff.maxMs", Bounds.backoffMaxMs, backoff.maxMs);
    }
  }
  if (raw.retryOn !== undefined) checkRetryOn(at, raw.retryOn);
  checkDepth(at, "extraArgs", raw.extraArgs);
  if (Array.isArray(raw.args)) {
    const args: readonly unknown[] = raw.args;
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      if (!isRecord(arg)) continue;
      for (const side of EDGE_SIDES) {
        const transform = arg[side];
        if (isRecord(transform)) checkDepth(at, `args[${i}].${side}.args`, transform.args);
      }
    }
  }
}

/** More entries than kinds exist is a mistake; past this many the list is refused without naming each entry. */
const MAX_RETRY_ON = 16;

function checkRetryOn(at: TaskAt, retryOn: unknown): void {
  const known: readonly string[] = RETRYABLE_ERROR_KINDS;
  const listed = `one of ${known.join(", ")}`;
  if (!Array.isArray(retryOn)) return invalid(at, "retryOn", `retryOn must be a list of error kinds (${listed})`);
  if (retryOn.length > MAX_RETRY_ON) return invalid(at, "retryOn", `retryOn lists ${retryOn.length} kinds, at most ${MAX_RETRY_ON} allowed (${listed})`);
  let isKnown = true;
  (retryOn as unknown[]).forEach((kind, i) => {
    if (typeof kind === "string" && known.includes(kind)) return;
    isKnown = false;
    const why = kind === "non_retryable" ? "non_retryable errors are never retried" : `expected ${listed}`;
    invalid(at, `retryOn[${i}]`, `retryOn[${i}] is ${typeof kind === "string" ? JSON.stringify(kind) : `a ${typeof kind}`}, not an error kind a retry can fix (${why})`);
  });
  if (isKnown && new Set(retryOn).size !== retryOn.length) invalid(at, "retryOn", `retryOn names a kind twice (${(retryOn as string[]).join(", ")})`);
}

function checkBound(at: TaskAt, field: string, bound: NumberBound, value: unknown): void {
  const problem = boundProblem(bound, value);
  if (problem !== null) invalid(at, field, `${field} ${problem}`);
}

/** Values nested past `MAX_VALUE_DEPTH` are refused here, before anything recursive (codec, JSON) meets them. */
function checkDepth(at: TaskAt, field: string, value: unknown): void {
  const problem = valueDepthProblem(value);
  if (problem === null) return;
  const full = field + problem.path.map((key) => (typeof key === "number" ? `[${key}]` : `.${key}`)).join("");
  const where = full.length > 200 ? `${full.slice(0, 200)}…` : full;
  invalid(at, where, `${field} ${problem.message} (at ${where})`);
}

/** Collocation targets must exist, be regular, and the chains must end at a task that is not collocated. */
function checkCollocation(tasks: readonly TaskSpec[], byId: ReadonlyMap<TaskId, number>, problems: Problems): void {
  const n = tasks.length;
  // next[i]: index of the collocated task i's target if that target is itself collocated, else -1.
  const next = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const task = tasks[i]!;
    const placement = task.placement;
    if (!isRecord(placement) || placement.kind !== "collocated" || !isNonEmptyString(placement.with)) continue;
    if (byId.get(task.id) !== i) continue;
    const target = byId.get(placement.with);
    if (target === undefined) {
      problems.push({
        kind: "invalid_task",
        taskId: task.id,
        field: "placement.with",
        message: `task "${task.id}" is collocated with "${placement.with}", which is not a task of this DAG`,
      });
      continue;
    }
    const targetTask = tasks[target]!;
    if (targetTask.type === TaskType.Inline) {
      problems.push({
        kind: "invalid_task",
        taskId: task.id,
        field: "placement.with",
        message: `task "${task.id}" is collocated with inline task "${placement.with}", which has no machine of its own`,
      });
      continue;
    }
    const targetPlacement = targetTask.placement;
    if (isRecord(targetPlacement) && targetPlacement.kind === "collocated") next[i] = target;
  }
  // Functional graph (out-degree ≤ 1): walk each chain once, colouring 1 = on the current walk, 2 = done.
  const colour = new Uint8Array(n);
  const walk: number[] = [];
  for (let start = 0; start < n; start++) {
    if (colour[start] !== 0) continue;
    if (next[start] === -1) {
      colour[start] = 2; // not collocated with a collocated task: a chain of one
      continue;
    }
    walk.length = 0;
    let current = start;
    while (current !== -1 && colour[current] === 0) {
      colour[current] = 1;
      walk.push(current);
      current = next[current]!;
    }
    if (current !== -1 && colour[current] === 1) {
      const cycle = walk.slice(walk.indexOf(current)).map((i) => tasks[i]!.id);
      const path = [...cycle, cycle[0]!].join(" → ");
      for (const id of cycle) {
        problems.push({
          kind: "invalid_task",
          taskId: id,
          field: "placement.with",
          message: `task "${id}" is in a collocation cycle (${path}); a collocation chain must end at a task that is not collocated`,
        });
      }
    }
    for (const i of walk) colour[i] = 2;
  }
}

/**
 * Every problem of a DAG at once (an empty array means valid), each naming its task(s): bad fields,
 * duplicate ids, unknown dependencies, bad placements, and every dependency cycle with its whole path.
 * Runs in O(tasks + edges), iteratively, so 100,000-task chains are fine. Given the cluster's function
 * catalogue (`signatures`), also checks each call against its function's signature (see `validateSignatures`).
 *
 * @example
 * validateDag({ tasks: [{ id: "a", fn: "f", args: ["b"] }, { id: "b", fn: "f", args: ["a"] }] })
 * // [{ kind: "cycle", path: ["a", "b", "a"], message: "tasks form a cycle: a → b → a ..." }]
 */
export function validateDag(
  dag: DagSpec,
  signatures?: SignatureContext,
  /** `taskPositions(dag.tasks)` when the caller has it already. */
  positions?: ReadonlyMap<TaskId, number>,
): DagProblem[] {
  const problems: Problems = [];
  const rawTasks: unknown = isRecord(dag) ? dag.tasks : undefined;
  if (!Array.isArray(rawTasks) || rawTasks.length === 0) {
    problems.push({ kind: "invalid_task", taskId: null, field: "tasks", message: "the DAG has no tasks" });
    return problems;
  }

  const byId = positions ?? taskPositions(rawTasks as unknown[]);
  // Which positions hold the first task of their id (one lookup per task, for the duplicates and the edges below).
  const isFirst = new Uint8Array(rawTasks.length);
  (rawTasks as unknown[]).forEach((raw, position) => {
    checkTask(raw, position, problems);
    if (!isRecord(raw) || !isNonEmptyString(raw.id)) return;
    const first = byId.get(raw.id);
    if (first === position) isFirst[position] = 1;
    else if (first !== undefined)
      problems.push({
        kind: "invalid_task",
        taskId: raw.id,
        field: "id",
        message: `task id "${raw.id}" is used more than once (positions ${first} and ${position})`,
      });
  });

  // From here on only well-formed parts are looked at; the malformed ones were reported above.
  const tasks = rawTasks as TaskSpec[];
  // Edges gathered flat, then each task's consumers listed at their size (`[]` grown by push reserves room for 17).
  const from: number[] = [];
  const to: number[] = [];
  tasks.forEach((task, position) => {
    if (isFirst[position] === 0 || !Array.isArray(task.args)) return;
    let reported: Set<TaskId> | undefined; // only a task with a missing dependency needs one
    const args: readonly unknown[] = task.args;
    for (const arg of args) {
      if (describeArgProblem(arg) !== null) continue;
      const source = argSource(arg as TaskArg);
      const producer = byId.get(source);
      if (producer === undefined) {
        reported ??= new Set<TaskId>();
        if (reported.has(source)) continue;
        reported.add(source);
        problems.push({
          kind: "missing_task",
          taskId: task.id,
          dependsOn: source,
          message: `task "${task.id}" depends on "${source}", which is not a task of this DAG`,
        });
      } else {
        from.push(producer);
        to.push(position);
      }
    }
  });
  const adjacency = consumerLists(tasks.length, from, to);

  checkCollocation(
    tasks.map((task) => (isRecord(task) ? task : ({ id: "", fn: "" } as TaskSpec))),
    byId,
    problems,
  );
  problems.push(...findCycles(adjacency, tasks));
  if (signatures !== undefined) problems.push(...validateSignatures(dag, signatures));
  return problems;
}
