import { MAX_VALUE_DEPTH } from "@handoff/core";
import type { JsonValue } from "@handoff/protocol";
import ts from "typescript";
import { describeNode } from "./describe-node.ts";

/** One thing the importer could not follow, where it is (1-based line and column). */
export interface DagCodeProblem {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** What the reading carries along: the source, the problems found so far, and where each value came from. */
export interface ReadContext {
  readonly sourceFile: ts.SourceFile;
  readonly problems: DagCodeProblem[];
  /** Path in the DAG file (`tasks[2].cost`) → the node it was read from, so schema issues can name a line. */
  readonly origins: Map<string, ts.Node>;
}

/** Records a problem at `node`; returns `undefined` so callers can `return refuse(...)`. */
export function refuse(ctx: ReadContext, node: ts.Node, message: string): undefined {
  const { line, character } = ctx.sourceFile.getLineAndCharacterOfPosition(node.getStart(ctx.sourceFile));
  ctx.problems.push({ line: line + 1, column: character + 1, message });
  return undefined;
}

/** Refuses code that is not a literal, naming what was found. */
export function refuseCode(ctx: ReadContext, node: ts.Node, where = ""): undefined {
  return refuse(ctx, node, `found ${describeNode(node, ctx.sourceFile)}${where}: only literals are read (the module is parsed, never run)`);
}

/** `x as const`, `x satisfies T` and `(x)` are the value `x`: types never change what a module builds. */
export function unwrap(node: ts.Expression): ts.Expression {
  let current = node;
  while (ts.isParenthesizedExpression(current) || ts.isAsExpression(current) || ts.isSatisfiesExpression(current) || ts.isTypeAssertionExpression(current)) {
    current = current.expression;
  }
  return current;
}

/**
 * Reads a JSON literal (string, number, negative number, boolean, null, array, object) at `path`, recording
 * its origin; anything else is refused and yields `undefined`.
 */
export function readLiteral(ctx: ReadContext, expression: ts.Expression, path: string, depth = 0): JsonValue | undefined {
  const node = unwrap(expression);
  ctx.origins.set(path, node);
  if (depth > MAX_VALUE_DEPTH) return refuse(ctx, node, `values nest deeper than ${MAX_VALUE_DEPTH} levels`);
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isNumericLiteral(node)) return readNumber(ctx, node, 1);
  if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(unwrap(node.operand))) {
    return readNumber(ctx, unwrap(node.operand) as ts.NumericLiteral, -1);
  }
  if (node.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (node.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (node.kind === ts.SyntaxKind.NullKeyword) return null;
  if (ts.isIdentifier(node) && ["undefined", "NaN", "Infinity"].includes(node.text)) {
    return refuse(ctx, node, `found \`${node.text}\`, which is not a JSON value (leave the field out, or use null)`);
  }
  if (ts.isArrayLiteralExpression(node)) {
    const items: JsonValue[] = [];
    node.elements.forEach((element, index) => {
      const item = ts.isSpreadElement(element) || ts.isOmittedExpression(element) ? refuseCode(ctx, element) : readLiteral(ctx, element, `${path}[${index}]`, depth + 1);
      if (item !== undefined) items.push(item);
    });
    return items;
  }
  if (ts.isObjectLiteralExpression(node)) return readObject(ctx, node, path, (value, key) => readLiteral(ctx, value, key, depth + 1));
  return refuseCode(ctx, node);
}

/** Reads an object literal's plain properties; `readValue` gets each value and its path. Refuses the rest. */
export function readObject<T>(
  ctx: ReadContext,
  node: ts.ObjectLiteralExpression,
  path: string,
  readValue: (value: ts.Expression, path: string, key: string) => T | undefined,
): Record<string, T> {
  const out: Record<string, T> = {};
  for (const property of node.properties) {
    if (!ts.isPropertyAssignment(property)) {
      refuseCode(ctx, property);
      continue;
    }
    const key = propertyKey(ctx, property.name);
    if (key === undefined) continue;
    if (Object.hasOwn(out, key)) {
      refuse(ctx, property.name, `the field "${key}" is written twice`);
      continue;
    }
    const childPath = joinPath(path, key);
    ctx.origins.set(childPath, property.initializer);
    const value = readValue(property.initializer, childPath, key);
    // Defined, not assigned: a field named `__proto__` stays a field.
    if (value !== undefined) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function readNumber(ctx: ReadContext, node: ts.NumericLiteral, sign: 1 | -1): number | undefined {
  const value = sign * Number(node.text);
  return Number.isFinite(value) ? value : refuse(ctx, node, `the number ${node.getText(ctx.sourceFile)} is not finite`);
}

function propertyKey(ctx: ReadContext, name: ts.PropertyName): string | undefined {
  if (ts.isComputedPropertyName(name)) {
    const inner = unwrap(name.expression);
    if (ts.isStringLiteral(inner) || ts.isNoSubstitutionTemplateLiteral(inner)) return inner.text;
    if (ts.isNumericLiteral(inner)) return String(Number(inner.text));
    return refuseCode(ctx, inner, " as a computed key");
  }
  if (ts.isPrivateIdentifier(name)) return refuseCode(ctx, name);
  const key = ts.isNumericLiteral(name) ? String(Number(name.text)) : name.text;
  // Written plainly, `__proto__:` sets the prototype when the module runs; only the computed form is a field.
  if (key === "__proto__") return refuse(ctx, name, 'a plain `__proto__` key sets the prototype when run; write ["__proto__"] for a field of that name');
  return key;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** The same path text `formatPath` writes (`tasks[0].cost["gpu-mem"]`). */
export function joinPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  if (IDENTIFIER.test(key)) return path === "" ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}
