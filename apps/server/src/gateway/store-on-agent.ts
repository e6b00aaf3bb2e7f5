import { AgentEvent, ServerToAgent, parseReply, type PayloadOf, type ResultMeta } from "@handoff/protocol";
import type { AgentLink } from "./agent-link.ts";

export type StoredOnAgent = { readonly ok: true; readonly result: ResultMeta } | { readonly ok: false; readonly message: string };

/**
 * Asks an agent to keep a value (`result:put`) and reads its reply with the catalogue's schema: a refusal, a silence
 * past `timeoutMs` and a malformed reply each come back as a message naming the machine, never as a throw.
 * @example await storeOnAgent(machine.link, "machine-a", { v: 1, runId, taskId, value }, 30_000) // { ok: true, result: { size, … } }
 */
export async function storeOnAgent(
  link: Pick<AgentLink, "request">,
  machine: string,
  payload: PayloadOf<ServerToAgent, typeof AgentEvent.ResultPut>,
  timeoutMs: number,
): Promise<StoredOnAgent> {
  let answer: unknown;
  try {
    answer = await link.request(AgentEvent.ResultPut, payload, timeoutMs);
  } catch {
    return { ok: false, message: `"${machine}" did not answer ${AgentEvent.ResultPut} within ${timeoutMs} ms` };
  }
  const parsed = parseReply(ServerToAgent, AgentEvent.ResultPut, answer);
  if (!parsed.ok) return { ok: false, message: `"${machine}" gave a bad answer: ${parsed.error.message}` };
  if (!parsed.reply.ok) return { ok: false, message: `"${machine}" refused the value: ${parsed.reply.error.message}` };
  return { ok: true, result: parsed.reply.result };
}
