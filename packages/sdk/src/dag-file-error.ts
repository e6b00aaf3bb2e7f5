import type { SchemaIssue } from "@handoff/protocol";

/**
 * Thrown by `Dag.fromJSON` (and by `Dag.addTask` for a malformed task) with every issue found, so a
 * caller can show them all at once rather than fixing one per run.
 */
export class DagFileError extends Error {
  override readonly name = "DagFileError";
  readonly issues: readonly SchemaIssue[];
  constructor(issues: readonly SchemaIssue[], context = "invalid DAG") {
    const lines = issues.map((issue) => (issue.message.startsWith("task ") || issue.path === "" ? issue.message : `${issue.path}: ${issue.message}`));
    super(`${context}:\n  ${lines.join("\n  ")}`);
    this.issues = issues;
  }
}

/** Thrown by `Dag.addTask` when the id is already taken (Handoff silently replaced; we refuse). */
export class DuplicateTaskError extends Error {
  override readonly name = "DuplicateTaskError";
  readonly taskId: string;
  constructor(taskId: string, dagName: string) {
    super(`task "${taskId}" is already in DAG "${dagName}"; task ids must be unique`);
    this.taskId = taskId;
  }
}
