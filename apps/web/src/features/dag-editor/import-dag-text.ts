import { parseDagFile, type DagFile } from "@handoff/protocol";
import { autoLayout } from "./auto-layout.ts";

export type ImportResult = { ok: true; file: DagFile } | { ok: false; message: string };

/**
 * Reads an uploaded DAG JSON file. Every schema issue is listed with its path; tasks saved without canvas
 * positions (a DAG written with the SDK) are laid out so the file opens readable.
 */
export function importDagText(text: string, options: { layout?: boolean } = {}): ImportResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `not valid JSON: ${(error as Error).message}` };
  }
  const parsed = parseDagFile(json);
  if (!parsed.ok) return { ok: false, message: parsed.issues.map((issue) => (issue.path === "" ? issue.message : `${issue.path}: ${issue.message}`)).join("\n") };
  const file = parsed.dag;
  if (file.tasks.every((task) => task.position !== undefined) || options.layout === false) return { ok: true, file };
  return { ok: true, file: withPositions(file, autoLayout(file.tasks)) };
}

/** The file with `positions` given to the tasks that have none. */
export function withPositions(file: DagFile, positions: ReadonlyMap<string, { x: number; y: number }>): DagFile {
  return { ...file, tasks: file.tasks.map((task) => (task.position !== undefined ? task : { ...task, position: positions.get(task.id) ?? { x: 0, y: 0 } })) };
}
