/** `runId/taskId#n` → its parts (the core's attempt ids); undefined for anything else. */
export function attemptParts(attemptId: string): { runId: string; taskId: string; number: number } | undefined {
  const slash = attemptId.indexOf("/");
  const hash = attemptId.lastIndexOf("#");
  if (slash <= 0 || hash <= slash) return undefined;
  const number = Number(attemptId.slice(hash + 1));
  return Number.isInteger(number) && number > 0 ? { runId: attemptId.slice(0, slash), taskId: attemptId.slice(slash + 1, hash), number } : undefined;
}
