import { AuditKind, type AuditService } from "@handoff/api";
import type { SecretResolve, SecretResolveReply } from "@handoff/protocol";
import type { Logger } from "../log.ts";
import type { Engine } from "../scheduler/engine.ts";
import type { AgentLink } from "../scheduler/live-machine.ts";
import type { SecretVault } from "./secret-vault.ts";

/** What answering `secret:resolve` needs. */
export interface AttemptSecretsContext {
  readonly engine: Pick<Engine, "attemptSecrets">;
  readonly vault: Pick<SecretVault, "open">;
  readonly audit: AuditService;
  readonly log: Logger;
}

const refuse = (kind: string, message: string): SecretResolveReply => ({ ok: false, error: { kind, message } });

/**
 * Answers an agent's `secret:resolve`: the values only when the attempt runs now on this machine's current connection
 * and its task (or an inline task it evaluates) refers to every name asked. Each answer is audited (names, never
 * values); a refusal is logged with the names.
 * @example await resolveAttemptSecrets(context, "m1", link, { v: 1, attemptId: "run/load#1", names: ["warehouse"] })
 */
export async function resolveAttemptSecrets(context: AttemptSecretsContext, machine: string, link: AgentLink, request: SecretResolve): Promise<SecretResolveReply> {
  const attempt = context.engine.attemptSecrets(machine, link, request.attemptId);
  if (attempt === undefined) {
    context.log.warn("secret:resolve refused: the attempt does not run on this machine", { machine, attemptId: request.attemptId, names: request.names });
    return refuse("forbidden", `secret:resolve: attempt ${request.attemptId} is not running on "${machine}"`);
  }
  const foreign = request.names.filter((name) => !attempt.names.has(name));
  if (foreign.length > 0) {
    context.log.warn("secret:resolve refused: the task does not refer to these secrets", { machine, attemptId: request.attemptId, names: foreign });
    return refuse("forbidden", `secret:resolve: task "${attempt.taskId}" does not refer to ${foreign.map((name) => `"${name}"`).join(", ")}`);
  }
  const opened = await context.vault.open(request.names);
  if (!opened.ok) return refuse(opened.kind, opened.message);
  context.audit.record({ kind: AuditKind.SecretUsed, details: { names: [...new Set(request.names)], machine, runId: attempt.runId, taskId: attempt.taskId, attemptId: request.attemptId } });
  return { ok: true, values: opened.values };
}
