import type { AgentToServer, EmitEvents, ListenEvents, ServerToAgent } from "@handoff/protocol";
import type { Server, Socket } from "socket.io";

/** What the gateway keeps on each agent socket. */
interface AgentSocketData {
  /** Set when the handshake carried a valid join (or admin) token: it may bind a new machine identity. */
  hasJoinToken: boolean;
}

/** socket.io typed from protocol's catalogue: the server listens to `AgentToServer` and emits `ServerToAgent`. */
export type AgentServer = Server<ListenEvents<AgentToServer>, EmitEvents<ServerToAgent>, Record<string, never>, AgentSocketData>;
export type AgentServerSocket = Socket<ListenEvents<AgentToServer>, EmitEvents<ServerToAgent>, Record<string, never>, AgentSocketData>;
