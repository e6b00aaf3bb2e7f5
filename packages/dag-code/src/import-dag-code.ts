import { DAG_FILE_FORMAT, DAG_FILE_VERSION, parseDagFile, type DagFile, type JsonValue, type SchemaIssue } from "@handoff/protocol";
import ts from "typescript";
import { DAG_OPTIONS } from "./dag-shape.ts";
import { describeNode } from "./describe-node.ts";
import { joinPath, readLiteral, readObject, refuse, refuseCode, unwrap, type DagCodeProblem, type ReadContext } from "./read-literal.ts";

export type { DagCodeProblem } from "./read-literal.ts";
export type DagCodeImport = { ok: true; dag: DagFile } | { ok: false; problems: DagCodeProblem[] };

/** Longer modules are refused before parsing (a DAG file of this size is far past the API's limits). */
export const MAX_DAG_CODE_CHARS = 16 * 1024 * 1024;

interface Draft {
  variable: string | null;
  header: { name: JsonValue | undefined; options: Record<string, JsonValue> } | null;
  tasks: JsonValue[];
}

/**
 * Reads a TypeScript module written like `exportDagCode`'s output back into a DAG file, by parsing it with
 * TypeScript's parser and walking the syntax tree: the code is never run, so a module from anyone is safe
 * to read. Accepted: import lines, one `new Dag(name, options?)` (in a `const`/`let` or `export default`),
 * chained or separate `.addTask({...})` calls on it, `edge(from, { encode, decode })` in `args`, and JSON-like
 * literals (`as const` and parentheses allowed). Anything else is refused with its line and column, and
 * every schema issue of the result is placed on the line it came from.
 * @example
 * const read = importDagCode(text, "pipeline.ts");
 * if (!read.ok) for (const p of read.problems) console.error(`pipeline.ts:${p.line}:${p.column}: ${p.message}`);
 */
export function importDagCode(text: string, fileName = "dag.ts"): DagCodeImport {
  if (text.length > MAX_DAG_CODE_CHARS) return { ok: false, problems: [{ line: 1, column: 1, message: `the module has ${text.length} characters, more than the ${MAX_DAG_CODE_CHARS} read` }] };
  let sourceFile: ts.SourceFile;
  try {
    sourceFile = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  } catch (error) {
    if (error instanceof RangeError) return { ok: false, problems: [{ line: 1, column: 1, message: "the code nests too deeply to parse" }] };
    throw error;
  }
  const ctx: ReadContext = { sourceFile, problems: [], origins: new Map() };
  // The parser's own syntax errors (not in its public typings, but present on every parsed file since TS 1.x).
  for (const diagnostic of (sourceFile as ts.SourceFile & { parseDiagnostics?: readonly ts.Diagnostic[] }).parseDiagnostics ?? []) {
    const { line, character } = sourceFile.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    ctx.problems.push({ line: line + 1, column: character + 1, message: `syntax error: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, " ")}` });
  }
  if (ctx.problems.length > 0) return { ok: false, problems: ctx.problems };
  const draft: Draft = { variable: null, header: null, tasks: [] };
  for (const statement of sourceFile.statements) readStatement(ctx, draft, statement);
  if (draft.header === null && ctx.problems.length === 0) refuse(ctx, sourceFile, 'no DAG found: expected `export const dag = new Dag("name")…`');
  if (ctx.problems.length > 0 || draft.header === null) return { ok: false, problems: sorted(ctx.problems) };
  const input = { format: DAG_FILE_FORMAT, version: DAG_FILE_VERSION, name: draft.header.name, ...draft.header.options, tasks: draft.tasks };
  const parsed = parseDagFile(input);
  if (parsed.ok) return { ok: true, dag: parsed.dag };
  for (const issue of parsed.issues) refuse(ctx, originOf(ctx, issue.path), describeIssue(issue));
  return { ok: false, problems: sorted(ctx.problems) };
}

/** `file.ts:3:7: message`, the form compilers and editors link to. */
export function formatDagCodeProblem(problem: DagCodeProblem, fileName: string): string {
  return `${fileName}:${problem.line}:${problem.column}: ${problem.message}`;
}

function readStatement(ctx: ReadContext, draft: Draft, statement: ts.Statement): void {
  if (ts.isImportDeclaration(statement) || ts.isEmptyStatement(statement)) return;
  if (ts.isVariableStatement(statement)) {
    for (const declaration of statement.declarationList.declarations) {
      if (!ts.isIdentifier(declaration.name) || declaration.initializer === undefined) {
        refuse(ctx, declaration, "a variable is read only as `const dag = new Dag(…)`");
        continue;
      }
      readChain(ctx, draft, declaration.initializer, declaration.name.text);
    }
    return;
  }
  if (ts.isExpressionStatement(statement)) return readChain(ctx, draft, statement.expression, null);
  if (ts.isExportAssignment(statement)) {
    const value = unwrap(statement.expression);
    if (ts.isIdentifier(value) && value.text === draft.variable) return;
    return readChain(ctx, draft, statement.expression, null);
  }
  if (ts.isExportDeclaration(statement) && statement.moduleSpecifier === undefined && statement.exportClause !== undefined && ts.isNamedExports(statement.exportClause)) {
    for (const element of statement.exportClause.elements) {
      if ((element.propertyName ?? element.name).text !== draft.variable) refuse(ctx, element, `\`${element.name.text}\` is not the DAG declared above`);
    }
    return;
  }
  refuse(ctx, statement, `found ${describeNode(statement, ctx.sourceFile)}: a module is read only as imports, \`const dag = new Dag(…)\`, \`dag.addTask({…})\` and exports (it is parsed, never run)`);
}

/** A DAG built by a chain: `new Dag(…).addTask(…)…` (declaring a variable) or `dag.addTask(…)…` on the declared one. */
function readChain(ctx: ReadContext, draft: Draft, expression: ts.Expression, declaring: string | null): void {
  const calls: ts.CallExpression[] = [];
  let current = unwrap(expression);
  while (ts.isCallExpression(current) && ts.isPropertyAccessExpression(current.expression)) {
    const method = current.expression.name;
    if (method.text !== "addTask") {
      refuse(ctx, method, `found \`.${method.text}()\`: only \`.addTask({…})\` is read on a DAG`);
      return;
    }
    calls.push(current);
    current = unwrap(current.expression.expression);
  }
  if (ts.isNewExpression(current) && ts.isIdentifier(current.expression) && current.expression.text === "Dag") {
    if (draft.header !== null) return refuse(ctx, current, "a second `new Dag(…)`: a module holds one DAG");
    draft.header = readConstructor(ctx, current);
    draft.variable = declaring;
  } else if (ts.isIdentifier(current) && declaring === null && current.text === draft.variable) {
    // Further tasks on the DAG declared above.
  } else if (ts.isIdentifier(current) && calls.length > 0) {
    return refuse(ctx, current, `found the variable \`${current.text}\`: tasks are read only when added to the DAG made with \`new Dag(…)\`${draft.variable === null ? "" : ` (\`${draft.variable}\`)`}`);
  } else if (declaring !== null) {
    return refuse(ctx, current, `found the variable \`${declaring}\` holding something other than \`new Dag(…)\`: variables are not followed (the module is parsed, never run); write values in place`);
  } else {
    return refuseCode(ctx, current);
  }
  for (const call of calls.reverse()) readAddTask(ctx, draft, call);
}

function readConstructor(ctx: ReadContext, node: ts.NewExpression): NonNullable<Draft["header"]> {
  ctx.origins.set("", node);
  const [nameArg, optionsArg, ...extra] = node.arguments ?? [];
  if (nameArg === undefined) refuse(ctx, node, '`new Dag()` needs its name here: `new Dag("name")`');
  for (const arg of extra) refuse(ctx, arg, "`new Dag` takes a name and an options object, nothing more");
  const name = nameArg === undefined ? undefined : readLiteral(ctx, nameArg, "name");
  if (optionsArg === undefined) return { name, options: {} };
  const options = unwrap(optionsArg);
  if (!ts.isObjectLiteralExpression(options)) return { name, options: refuseCode(ctx, options, " as the options of `new Dag`") ?? {} };
  return {
    name,
    options: readObject(ctx, options, "", (value, path, key) =>
      DAG_OPTIONS.includes(key) ? readLiteral(ctx, value, path) : refuse(ctx, value.parent, `\`${key}\` is not an option of \`new Dag\` (${DAG_OPTIONS.join(", ")})`),
    ),
  };
}

function readAddTask(ctx: ReadContext, draft: Draft, call: ts.CallExpression): void {
  const [taskArg, ...extra] = call.arguments;
  for (const arg of extra) refuse(ctx, arg, "`addTask` takes one task object");
  if (taskArg === undefined) return refuse(ctx, call, "`addTask()` needs a task object: `addTask({ id, fn })`");
  const task = unwrap(taskArg);
  if (!ts.isObjectLiteralExpression(task)) return refuseCode(ctx, task, " as a task (expected `{ id, fn, … }`)");
  const path = `tasks[${draft.tasks.length}]`;
  ctx.origins.set(path, task);
  draft.tasks.push(readObject(ctx, task, path, (value, childPath, key) => (key === "args" ? readArgs(ctx, value, childPath) : readLiteral(ctx, value, childPath))));
}

/** A task's inputs: task ids, `edge(from, { encode, decode })` calls, or `{ from, … }` objects. */
function readArgs(ctx: ReadContext, expression: ts.Expression, path: string): JsonValue[] | undefined {
  const node = unwrap(expression);
  if (!ts.isArrayLiteralExpression(node)) return refuseCode(ctx, node, " as `args` (expected a list of task ids and edge(…) calls)");
  const args: JsonValue[] = [];
  node.elements.forEach((element, index) => {
    const arg = unwrap(element);
    const argPath = joinPath(path, index);
    const isEdgeCall = ts.isCallExpression(arg) && ts.isIdentifier(arg.expression) && arg.expression.text === "edge";
    const value = isEdgeCall ? readEdge(ctx, arg, argPath) : readLiteral(ctx, arg, argPath);
    if (value !== undefined) args.push(value);
  });
  return args;
}

function readEdge(ctx: ReadContext, call: ts.CallExpression, path: string): JsonValue | undefined {
  ctx.origins.set(path, call);
  const [fromArg, transformsArg, ...extra] = call.arguments;
  for (const arg of extra) refuse(ctx, arg, "`edge` takes a task id and { encode, decode }, nothing more");
  if (fromArg === undefined) return refuse(ctx, call, '`edge()` needs the id of the task it reads: `edge("load")`');
  const from = readLiteral(ctx, fromArg, joinPath(path, "from"));
  if (transformsArg === undefined) return from === undefined ? undefined : { from };
  const transforms = unwrap(transformsArg);
  if (!ts.isObjectLiteralExpression(transforms)) return refuseCode(ctx, transforms, " as the transforms of `edge` (expected `{ encode, decode }`)");
  const read = readObject(ctx, transforms, path, (value, childPath, key) => {
    if (key !== "encode" && key !== "decode") return refuse(ctx, value.parent, `\`edge\` takes encode and decode, not \`${key}\``);
    const transform = unwrap(value);
    // A bare function name is `{ fn: name }`, as the SDK's edge() makes it.
    if (ts.isStringLiteral(transform) || ts.isNoSubstitutionTemplateLiteral(transform)) return { fn: readLiteral(ctx, transform, joinPath(childPath, "fn")) ?? "" };
    return readLiteral(ctx, transform, childPath);
  });
  return from === undefined ? undefined : { from, ...read };
}

function originOf(ctx: ReadContext, path: string): ts.Node {
  let current = path;
  for (;;) {
    const node = ctx.origins.get(current);
    if (node !== undefined) return node;
    const shorter = current.replace(/(\.[A-Za-z_$][A-Za-z0-9_$]*|\[[^\]]*\]|^[A-Za-z_$][A-Za-z0-9_$]*)$/, "");
    if (shorter === current) return ctx.origins.get("") ?? ctx.sourceFile;
    current = shorter;
  }
}

function describeIssue(issue: SchemaIssue): string {
  return issue.path === "" || issue.message.startsWith("task ") ? issue.message : `${issue.path}: ${issue.message}`;
}

function sorted(problems: readonly DagCodeProblem[]): DagCodeProblem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
}
