import { parseDagFile, type DagFile } from "@handoff/protocol";
import { autoLayout } from "./auto-layout.ts";

export type ImportResult = { ok: true; file: DagFile } | { ok: false; message: string };

/**
 * Reads an uploaded DAG JSON file. Every schema issue is listed with its path; tasks saved without canvas
 * positions (a DAG written with the SDK) are laid out so the file opens readable.
 */
export function importDagText(text: string): ImportResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `not valid JSON: ${(error as Error).message}` };
  }
  const parsed = parseDagFile(json);
  if (!parsed.ok) return { ok: false, message: parsed.issues.map((issue) => (issue.path === "" ? issue.message : `${issue.path}: ${issue.message}`)).join("\n") };
  const file = parsed.dag;
  if (file.tasks.every((task) => task.position !== undefined)) return { ok: true, file };
  const positions = autoLayout(file.tasks);
  return { ok: true, file: { ...file, tasks: file.tasks.map((task) => (task.position !== undefined ? task : { ...task, position: positions.get(task.id) ?? { x: 0, y: 0 } })) } };
}
