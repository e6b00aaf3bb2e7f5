import type { EmitEvents, NoticeEvent, PayloadOf, RequestEvent, ServerToAgent } from "@handoff/protocol";
import type { AgentServerSocket } from "./agent-socket.ts";

/**
 * The server's side of one connected agent, typed from protocol's `ServerToAgent` catalogue: an event name picks its
 * payload type. A request's reply is `unknown` until read with `parseReply(ServerToAgent, event, reply)`.
 */
export interface AgentLink {
  send<E extends NoticeEvent<ServerToAgent>>(event: E, ...payload: Parameters<EmitEvents<ServerToAgent>[E]>): void;
  request<E extends AgentRequest>(event: E, payload: PayloadOf<ServerToAgent, E>, timeoutMs: number): Promise<unknown>;
  disconnect(reason: string): void;
}

/** The events that wait for the agent's reply: `result:put`, `functions:load`. */
type AgentRequest = RequestEvent<ServerToAgent>;

/** The link over one agent's socket. */
export function createAgentLink(socket: AgentServerSocket): AgentLink {
  return {
    send: (event, ...payload) => void socket.emit(event, ...payload),
    request: (event, payload, timeoutMs) => (socket.timeout(timeoutMs).emitWithAck as (event: AgentRequest, payload: unknown) => Promise<unknown>)(event, payload),
    disconnect: () => void socket.disconnect(true),
  };
}
