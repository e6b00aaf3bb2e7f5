import { checkDag, type DagProblem, type FunctionCatalogue, type MachineInfo } from "@handoff/core";
import { parseDagFile, toDagSpec, validateJsonSchema, type DagFile } from "@handoff/protocol";

/** One thing wrong with a task, as the node shows it. */
export interface TaskProblem {
  readonly kind: DagProblem["kind"] | "schema";
  readonly message: string;
}

export interface ProblemsByTask {
  readonly byTask: ReadonlyMap<string, readonly TaskProblem[]>;
  /** Problems that belong to no single task (an empty DAG, a bad file name). */
  readonly general: readonly TaskProblem[];
}

/**
 * Spreads problems over the tasks they concern: a cycle marks every task on its path, a missing input
 * marks its consumer, `unknown_function` and `infeasible` mark their task. Duplicates (the same problem
 * found by the live check and by the server's `dags.check`) are shown once.
 */
export function groupProblems(...lists: readonly (readonly (DagProblem | SchemaProblem)[])[]): ProblemsByTask {
  const byTask = new Map<string, TaskProblem[]>();
  const general: TaskProblem[] = [];
  const seen = new Set<string>();
  const add = (taskId: string | null, problem: TaskProblem): void => {
    const key = `${taskId ?? ""}\u0000${problem.kind}\u0000${problem.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    if (taskId === null) general.push(problem);
    else (byTask.get(taskId) ?? byTask.set(taskId, []).get(taskId)!).push(problem);
  };
  for (const list of lists) {
    for (const problem of list) {
      const entry: TaskProblem = { kind: problem.kind, message: problem.message };
      switch (problem.kind) {
        case "cycle":
          for (const taskId of new Set(problem.path)) add(taskId, entry);
          break;
        case "missing_task":
        case "unknown_function":
        case "infeasible":
          add(problem.taskId, entry);
          break;
        case "invalid_task":
        case "schema":
          add(problem.taskId, entry);
          break;
      }
    }
  }
  return { byTask, general };
}

/** A DAG file schema issue tied to the task it was found in (or none). */
export interface SchemaProblem {
  readonly kind: "schema";
  readonly taskId: string | null;
  readonly message: string;
}

// Files are immutable: each is parsed once (the live check and the server check's gate both ask, and the
// schema of 1,000 tasks takes tens of milliseconds of the main thread).
const parsedFiles = new WeakMap<DagFile, ReturnType<typeof parseDagFile>>();

/** `parseDagFile(file)`, remembered per file object. */
export function parseDagFileOnce(file: DagFile): ReturnType<typeof parseDagFile> {
  const known = parsedFiles.get(file);
  if (known !== undefined) return known;
  const parsed = parseDagFile(file);
  parsedFiles.set(file, parsed);
  return parsed;
}

/**
 * Everything the editor can find without asking the server: the file schema (zod), then core's `checkDag`, the
 * policy the server applies before a run (cycles, missing inputs, bad fields; with the machines' function catalogue,
 * calls that do not match their function's signature; with the machines, functions nobody offers and costs no
 * machine can ever hold).
 */
export function checkDagLocally(file: DagFile, machines: readonly MachineInfo[] | null, catalogue: FunctionCatalogue | null = null): (DagProblem | SchemaProblem)[] {
  const problems: (DagProblem | SchemaProblem)[] = [];
  const parsed = parseDagFileOnce(file);
  if (!parsed.ok) {
    for (const issue of parsed.issues) {
      const match = /^tasks\[(\d+)\]/.exec(issue.path);
      const taskId = match === null ? null : (file.tasks[Number(match[1])]?.id ?? null);
      problems.push({ kind: "schema", taskId, message: issue.path === "" || taskId !== null ? issue.message : `${issue.path}: ${issue.message}` });
    }
  }
  const signatures = catalogue === null ? undefined : { catalogue, validateParams: validateJsonSchema };
  problems.push(...checkDag(toDagSpec(file), { machines, ...(signatures === undefined ? {} : { signatures }) }));
  return problems;
}
