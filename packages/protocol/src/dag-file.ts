import { z } from "zod";
import { Bounds, RETRYABLE_ERROR_KINDS, Strategy } from "@handoff/core";
import { boundedNumber } from "./bounded-number.ts";
import { FunctionNameText, MAX_NAME_LENGTH } from "./function-name.ts";
import { formatIssues, type SchemaIssue } from "./format-issues.ts";
import { JsonValue } from "./json-value.ts";
import { DagParams, ParamArgJson, paramReferences } from "./dag-params.ts";

export const DAG_FILE_FORMAT = "handoff.dag";
export const DAG_FILE_VERSION = 1;
export const MAX_ID_LENGTH = 200;

const TaskIdText = z
  .string()
  .min(1, "must not be empty")
  .max(MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`);

const EdgeTransformJson = z.strictObject({ fn: FunctionNameText, args: z.array(JsonValue).optional() });

const EdgeArgJson = z.strictObject({
  from: TaskIdText,
  encode: EdgeTransformJson.optional(),
  decode: EdgeTransformJson.optional(),
});

const PlacementJson = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("auto") }),
  z.strictObject({ kind: z.literal("pinned"), machine: z.string().min(1, "must not be empty").max(MAX_NAME_LENGTH) }),
  z.strictObject({ kind: z.literal("collocated"), with: TaskIdText }),
]);

const RetryBackoffJson = z.strictObject({
  initialMs: boundedNumber(Bounds.backoffInitialMs),
  factor: boundedNumber(Bounds.backoffFactor).optional(),
  maxMs: boundedNumber(Bounds.backoffMaxMs).optional(),
});

/** Editor-only: where the task's card sits on the canvas. */
export const CanvasPosition = z.strictObject({ x: z.number(), y: z.number() });
export type CanvasPosition = z.infer<typeof CanvasPosition>;

/** One task of a DAG file: core's `TaskSpec` plus the editor-only `position` and `label`. */
export const TaskJson = z.strictObject({
  id: TaskIdText,
  fn: FunctionNameText,
  /** Inputs in call order: a producer's id, an edge from one, or a run parameter (`{ param: "n" }`). */
  args: z.array(z.union([TaskIdText, EdgeArgJson, ParamArgJson])).optional(),
  /** Follow the inputs; `{ "$param": "n" }` anywhere inside is replaced by the run's value of `n`. */
  extraArgs: z.array(JsonValue).optional(),
  argumentInclusion: z.enum(["variadic", "as_list"]).optional(),
  type: z.enum(["regular", "inline"]).optional(),
  placement: PlacementJson.optional(),
  cost: z.record(z.string().min(1), boundedNumber(Bounds.capacity)).optional(),
  maxRetries: boundedNumber(Bounds.maxRetries).optional(),
  retryBackoff: RetryBackoffJson.optional(),
  /** The failure kinds worth a retry (core's `RETRYABLE_ERROR_KINDS`); absent: all of them. */
  retryOn: z.array(z.enum(RETRYABLE_ERROR_KINDS)).max(RETRYABLE_ERROR_KINDS.length).optional(),
  timeoutMs: boundedNumber(Bounds.timeoutMs).optional(),
  position: CanvasPosition.optional(),
  label: z.string().max(MAX_NAME_LENGTH).optional(),
});
export type TaskJson = z.infer<typeof TaskJson>;

/**
 * The versioned DAG file: what the editor saves, the API accepts and `Dag.toJSON()` writes.
 * Unknown fields are errors, so a typo never silently changes a run. Task ids must be unique.
 */
export const DagFile = z
  .strictObject({
    format: z.literal(DAG_FILE_FORMAT),
    version: z.literal(DAG_FILE_VERSION),
    name: z.string().min(1, "must not be empty").max(MAX_NAME_LENGTH, `must be at most ${MAX_NAME_LENGTH} characters`),
    description: z.string().max(10_000).optional(),
    strategy: z.enum(Strategy).optional(),
    onFailure: z.enum(["fail_fast", "continue"]).optional(),
    /** The run parameters, by name: each a JSON Schema with a `type`, maybe a `default` and a `description`. */
    params: DagParams.optional(),
    tasks: z.array(TaskJson),
  })
  .superRefine((file, ctx) => {
    const firstIndex = new Map<string, number>();
    file.tasks.forEach((task, index) => {
      const first = firstIndex.get(task.id);
      if (first === undefined) firstIndex.set(task.id, index);
      else ctx.addIssue({ code: "custom", path: ["tasks", index, "id"], message: `duplicate task id (first used at tasks[${first}])` });
      for (const reference of paramReferences(task)) {
        if (file.params !== undefined && Object.hasOwn(file.params, reference.name)) continue;
        ctx.addIssue({ code: "custom", path: ["tasks", index, ...reference.path], message: `refers to undeclared param "${reference.name}"` });
      }
    });
  });
export type DagFile = z.infer<typeof DagFile>;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; issues: SchemaIssue[] };

/**
 * Parses untrusted input (an uploaded file, a request body) into a `DagFile`. Expected failures are a
 * value: every issue has a path like `tasks[3].cost.cpu` and, when the task has an id, a message that
 * names it (`task "resize": cost.cpu: expected number, got string`).
 * @example
 * const parsed = parseDagFile(JSON.parse(text));
 * if (!parsed.ok) for (const i of parsed.issues) console.error(`${i.path}: ${i.message}`);
 */
export function parseDagFile(input: unknown): { ok: true; dag: DagFile } | { ok: false; issues: SchemaIssue[] } {
  const result = DagFile.safeParse(input);
  if (result.success) return { ok: true, dag: result.data };
  const issues = formatIssues(result.error.issues, input).map((issue) => nameTask(issue, input));
  return { ok: false, issues };
}

/** Parses one task on its own (the SDK checks each task as it is added); paths are relative to the task. */
export function parseTaskJson(input: unknown): ParseResult<TaskJson> {
  const result = TaskJson.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const id = taskIdOf(input);
  const issues = formatIssues(result.error.issues, input).map(({ path, message }) => ({
    path,
    message: id === null ? message : path === "" ? `task ${JSON.stringify(id)}: ${message}` : `task ${JSON.stringify(id)}: ${path}: ${message}`,
  }));
  return { ok: false, issues };
}

const TASK_PATH = /^tasks\[(\d+)\](.*)$/;

function nameTask(issue: SchemaIssue, input: unknown): SchemaIssue {
  const match = TASK_PATH.exec(issue.path);
  if (match === null) return issue;
  const tasks = (input as { tasks?: unknown }).tasks;
  const id = Array.isArray(tasks) ? taskIdOf(tasks[Number(match[1])]) : null;
  if (id === null) return issue;
  const rest = (match[2] ?? "").replace(/^\./, "");
  return { path: issue.path, message: `task ${JSON.stringify(id)}: ${rest === "" ? "" : `${rest}: `}${issue.message}` };
}

function taskIdOf(task: unknown): string | null {
  if (task === null || typeof task !== "object") return null;
  const id = (task as { id?: unknown }).id;
  return typeof id === "string" && id !== "" && id.length <= MAX_ID_LENGTH ? id : null;
}
