import { randomUUID } from "node:crypto";
import {
  validateDag,
  type DagProblem,
  type DagSpec,
  type EdgeArg,
  type EdgeTransform,
  type FunctionName,
  type OnFailure,
  type Strategy,
  type TaskArg,
  type TaskId,
  type TaskSpec,
} from "@handoff/core";
import {
  DAG_FILE_FORMAT,
  DAG_FILE_VERSION,
  MAX_NAME_LENGTH,
  parseDagFile,
  parseTaskJson,
  toDagSpec,
  DagParams,
  paramReferences,
  formatIssues,
  type CanvasPosition,
  type DagFile,
  type ParamArgJson,
  type TaskJson,
} from "@handoff/protocol";
import { DagFileError, DuplicateTaskError } from "./dag-file-error.ts";

/**
 * A task as the builder holds it: core's `TaskSpec` plus the editor's canvas position and label; an input may be a
 * run parameter (`param("n")`), and `paramRef("n")` anywhere inside `extraArgs` stands for its value.
 */
export type DagTask = Omit<TaskSpec, "args"> & {
  readonly args?: readonly (TaskArg | ParamArgJson)[];
  readonly position?: CanvasPosition;
  readonly label?: string;
};

export interface DagOptions {
  readonly description?: string;
  readonly strategy?: Strategy;
  readonly onFailure?: OnFailure;
  /**
   * Run parameters by name, each a JSON Schema with a `type` and maybe a `default` and `description`; given when a
   * run starts (`params` of `startRun`/`execute`/`executeLocal`, `--param n=3`) and checked before anything runs.
   */
  readonly params?: DagParams;
}

/**
 * Builds a DAG in code and writes the same versioned JSON the editor saves.
 *
 * Unlike Handoff (last write wins), adding a task whose id is taken throws `DuplicateTaskError`: a silent
 * replacement hides typos in generated DAGs. Each task's shape is checked as it is added; graph-level
 * problems (missing producers, cycles, bad placements) are reported by `validate()`.
 * @example
 * const dag = new Dag("double")
 *   .addTask({ id: "source", fn: "std.constant", extraArgs: [42] })
 *   .addTask({ id: "double", fn: "std.multiply", args: ["source"], extraArgs: [2] });
 * dag.validate(); // []
 * JSON.stringify(dag); // {"format":"handoff.dag","version":1,"name":"double","tasks":[…]}
 */
export class Dag {
  readonly name: string;
  readonly description: string | undefined;
  readonly strategy: Strategy | undefined;
  readonly onFailure: OnFailure | undefined;
  readonly params: DagParams | undefined;
  readonly #tasks = new Map<TaskId, TaskJson>();

  constructor(name?: string, options: DagOptions = {}) {
    const chosen = name ?? `dag-${randomUUID().slice(0, 8)}`;
    if (chosen.length === 0 || chosen.length > MAX_NAME_LENGTH) {
      throw new RangeError(`a DAG name must have 1 to ${MAX_NAME_LENGTH} characters, got ${chosen.length}`);
    }
    this.name = chosen;
    this.description = options.description;
    this.strategy = options.strategy;
    this.onFailure = options.onFailure;
    if (options.params !== undefined) {
      const parsed = DagParams.safeParse(options.params);
      if (!parsed.success) {
        const issues = formatIssues(parsed.error.issues, options.params).map((issue) => ({ path: `params${issue.path.startsWith("[") || issue.path === "" ? "" : "."}${issue.path}`, message: issue.message }));
        throw new DagFileError(issues, `cannot declare the params of DAG "${this.name}"`);
      }
      this.params = structuredClone(parsed.data);
    }
  }

  /** Adds one task; throws `DuplicateTaskError` for a taken id and `DagFileError` for a malformed task. */
  addTask(task: DagTask): this {
    const parsed = parseTaskJson(task);
    if (!parsed.ok) throw new DagFileError(parsed.issues, `cannot add a task to DAG "${this.name}"`);
    if (this.#tasks.has(parsed.value.id)) throw new DuplicateTaskError(parsed.value.id, this.name);
    this.#tasks.set(parsed.value.id, structuredClone(parsed.value));
    return this;
  }

  /** The task with this id, or undefined. */
  task(id: TaskId): DagTask | undefined {
    return this.#tasks.get(id);
  }

  /** Every task, in the order they were added. */
  get tasks(): readonly DagTask[] {
    return [...this.#tasks.values()];
  }

  /** Every graph problem at once (empty means valid), from core's `validateDag`, and each use of an undeclared param. */
  validate(): DagProblem[] {
    const undeclared = [...this.#tasks.values()].flatMap((task) =>
      paramReferences(task)
        .filter((reference) => this.params === undefined || !Object.hasOwn(this.params, reference.name))
        .map((reference): DagProblem => {
          const field = reference.path.map((segment, index) => (typeof segment === "number" ? `[${segment}]` : index === 0 ? segment : `.${segment}`)).join("");
          return { kind: "invalid_task", taskId: task.id, field, message: `task "${task.id}": ${field}: refers to undeclared param "${reference.name}"` };
        }),
    );
    return [...undeclared, ...validateDag(this.toSpec())];
  }

  /** The run-time view: tasks without editor-only fields (parameters as their defaults, else a sample: see `toDagSpec`). */
  toSpec(): DagSpec {
    return toDagSpec(this.toJSON());
  }

  /** The versioned DAG file (so `JSON.stringify(dag)` writes it). */
  toJSON(): DagFile {
    return {
      format: DAG_FILE_FORMAT,
      version: DAG_FILE_VERSION,
      name: this.name,
      ...(this.description === undefined ? {} : { description: this.description }),
      ...(this.strategy === undefined ? {} : { strategy: this.strategy }),
      ...(this.onFailure === undefined ? {} : { onFailure: this.onFailure }),
      ...(this.params === undefined ? {} : { params: structuredClone(this.params) }),
      tasks: [...this.#tasks.values()].map((task) => structuredClone(task)),
    };
  }

  /** Reads a DAG file (already JSON-parsed); throws `DagFileError` listing every issue. */
  static fromJSON(input: unknown): Dag {
    const parsed = parseDagFile(input);
    if (!parsed.ok) throw new DagFileError(parsed.issues);
    const { name, description, strategy, onFailure, params, tasks } = parsed.dag;
    const dag = new Dag(name, { description, strategy, onFailure, ...(params === undefined ? {} : { params }) });
    for (const task of tasks) dag.addTask(task);
    return dag;
  }
}

/** An edge transform given as a bare function name or as `{ fn, args }`. */
export type EdgeTransformInput = FunctionName | EdgeTransform;

/**
 * An input that reads `from`'s result through transforms: `encode` runs on the producer's machine,
 * `decode` on the consumer's, both called `(value, sourceMachine, targetMachine, ...args)`.
 * @example
 * dag.addTask({ id: "width", fn: "std.identity", args: [edge("image", { encode: { fn: "std.pick", args: ["width"] } })] });
 */
export function edge(from: TaskId, transforms: { encode?: EdgeTransformInput; decode?: EdgeTransformInput } = {}): EdgeArg {
  const toTransform = (t: EdgeTransformInput): EdgeTransform => (typeof t === "string" ? { fn: t } : t);
  return {
    from,
    ...(transforms.encode === undefined ? {} : { encode: toTransform(transforms.encode) }),
    ...(transforms.decode === undefined ? {} : { decode: toTransform(transforms.decode) }),
  };
}

/**
 * A task input that takes a run parameter's value.
 * @example dag.addTask({ id: "sum", fn: "std.sum", args: ["load", param("n")] });
 */
export function param(name: string): ParamArgJson {
  return { param: name };
}
