import ts from "typescript";
import type { DagCodeProblem } from "./read-literal.ts";

/** Why text is not JSON: where, when TypeScript's JSON parser can tell, and Node's own message. */
export type JsonSyntaxError = { readonly at: Omit<DagCodeProblem, "message"> | null; readonly message: string };

/**
 * Where JSON text stops being JSON, by line and column (Node 20's `JSON.parse` names neither), found with
 * TypeScript's JSON parser; null when `JSON.parse` accepts the text. That parser forgives what JSONC allows
 * (trailing commas, comments), so `at` is null for those and the message is Node's.
 * @example findJsonSyntaxError('{\n  "a": 1\n  "b": 2 }') // { at: { line: 3, column: 3 }, message: "',' expected." }
 */
export function findJsonSyntaxError(text: string): JsonSyntaxError | null {
  try {
    JSON.parse(text);
    return null;
  } catch (error) {
    const file = ts.parseJsonText("file.json", text);
    const diagnostic = (file as ts.JsonSourceFile & { parseDiagnostics?: readonly ts.Diagnostic[] }).parseDiagnostics?.[0];
    if (diagnostic?.start === undefined) return { at: null, message: error instanceof Error ? error.message : String(error) };
    const { line, character } = file.getLineAndCharacterOfPosition(diagnostic.start);
    return { at: { line: line + 1, column: character + 1 }, message: ts.flattenDiagnosticMessageText(diagnostic.messageText, " ") };
  }
}
