import type { DagFile, TaskJson } from "@handoff/protocol";
import { DAG_OPTIONS, TASK_FIELDS } from "./dag-shape.ts";
import { jsonDoc, printDoc, printKey, type Doc } from "./print-code.ts";

type EdgeArg = Extract<NonNullable<TaskJson["args"]>[number], { from: string }>;
type EdgeTransform = NonNullable<EdgeArg["encode"]>;

/** The import line every exported module starts with; `edge` only when an input has transforms. */
export const SDK_MODULE = "@handoff/sdk";

/**
 * Writes a DAG file as a TypeScript module that builds the same DAG with the SDK:
 * `export const dag = new Dag(name, options).addTask({...})…`. Deterministic (fields in the file format's
 * order, values as JSON-like literals, inline when they fit in 100 columns), and read back exactly by
 * `importDagCode`, which parses it without running it.
 * @example
 * exportDagCode({ format: "handoff.dag", version: 1, name: "one", tasks: [{ id: "x", fn: "std.constant", extraArgs: [42] }] });
 * // import { Dag } from "@handoff/sdk";
 * //
 * // export const dag = new Dag("one")
 * //   .addTask({
 * //     id: "x",
 * //     fn: "std.constant",
 * //     extraArgs: [42],
 * //   });
 */
export function exportDagCode(file: DagFile): string {
  const usesEdge = file.tasks.some((task) => task.args?.some((arg) => typeof arg !== "string" && "from" in arg));
  const header = `import { ${usesEdge ? "Dag, edge" : "Dag"} } from ${JSON.stringify(SDK_MODULE)};\n\n`;
  const options = ordered(file, DAG_OPTIONS, () => null);
  const name = JSON.stringify(file.name);
  const head = `export const dag = new Dag(${name}`;
  const created = options.length === 0 ? `new Dag(${name})` : `new Dag(${name}, ${printDoc({ kind: "object", entries: options }, 0, head.length + 2, ")")})`;
  const tasks = file.tasks.map((task, index) => `\n  .addTask(${printTask(task)})${index === file.tasks.length - 1 ? ";" : ""}`);
  return `${header}export const dag = ${created}${tasks.length === 0 ? ";" : tasks.join("")}\n`;
}

function printTask(task: TaskJson): string {
  const entries = ordered(task, TASK_FIELDS, (key, value) =>
    key === "args" ? { kind: "array", items: (value as NonNullable<TaskJson["args"]>).map(argDoc) } : null,
  );
  const inner = "    ";
  const lines = entries.map(([key, value]) => `${inner}${printKey(key)}: ${printDoc(value, 2, inner.length + printKey(key).length + 2, ",")},\n`);
  return `{\n${lines.join("")}  }`;
}

/** The object's fields named in `order` (the schema's: no other can pass it), each as a document; `special` may print one its own way. */
function ordered(value: Record<string, unknown>, order: readonly string[], special: (key: string, value: unknown) => Doc | null): [string, Doc][] {
  return order.filter((key) => value[key] !== undefined).map((key) => [key, special(key, value[key]) ?? jsonDoc(value[key])]);
}

/** A task id stays a string, a parameter input `{ param }` too; `{ from, encode?, decode? }` becomes `edge(from, { encode, decode })`. */
function argDoc(arg: NonNullable<TaskJson["args"]>[number]): Doc {
  if (typeof arg === "string" || !("from" in arg)) return jsonDoc(arg);
  const transforms: [string, Doc][] = [];
  if (arg.encode !== undefined) transforms.push(["encode", transformDoc(arg.encode)]);
  if (arg.decode !== undefined) transforms.push(["decode", transformDoc(arg.decode)]);
  const from = jsonDoc(arg.from);
  return { kind: "call", callee: "edge", args: transforms.length === 0 ? [from] : [from, { kind: "object", entries: transforms }] };
}

/** `"fn"` when the transform has no `args` field, else `{ fn, args }` (an explicit `args: []` is kept). */
function transformDoc(transform: EdgeTransform): Doc {
  return transform.args === undefined ? jsonDoc(transform.fn) : jsonDoc(transform);
}
