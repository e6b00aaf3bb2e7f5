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
  type TaskId,
  type TaskSpec,
} from "@handoff/core";
import {
  DAG_FILE_FORMAT,
  DAG_FILE_VERSION,
  MAX_NAME_LENGTH,
  parseDagFile,
  parseTaskJson,
  toTaskSpec,
  type CanvasPosition,
  type DagFile,
  type TaskJson,
} from "@handoff/protocol";
import { DagFileError, DuplicateTaskError } from "./dag-file-error.ts";

/** A task as the builder holds it: core's `TaskSpec` plus the editor's canvas position and label. */
export type DagTask = TaskSpec & { readonly position?: CanvasPosition; readonly label?: string };

export interface DagOptions {
  readonly description?: string;
  readonly strategy?: Strategy;
  readonly onFailure?: OnFailure;
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

  /** Every graph problem at once (empty means valid), from core's `validateDag`. */
  validate(): DagProblem[] {
    return validateDag(this.toSpec());
  }

  /** The run-time view: tasks without editor-only fields. */
  toSpec(): DagSpec {
    return { tasks: [...this.#tasks.values()].map(toTaskSpec) };
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
      tasks: [...this.#tasks.values()].map((task) => structuredClone(task)),
    };
  }

  /** Reads a DAG file (already JSON-parsed); throws `DagFileError` listing every issue. */
  static fromJSON(input: unknown): Dag {
    const parsed = parseDagFile(input);
    if (!parsed.ok) throw new DagFileError(parsed.issues);
    const { name, description, strategy, onFailure, tasks } = parsed.dag;
    const dag = new Dag(name, { description, strategy, onFailure });
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
