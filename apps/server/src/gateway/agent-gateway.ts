import type { Server as HttpServer } from "node:http";
import { Server, type ServerOptions } from "socket.io";
import { AgentEvent, PROTOCOL_VERSION } from "@handoff/protocol";
import type { FunctionBundleRepository } from "@handoff/db";
import type { TokenService } from "../auth/tokens.ts";
import type { Logger } from "../log.ts";
import { FORWARDED_EVENTS, type AgentRelay, type Forwarded } from "../replica/agent-relay.ts";
import type { Engine } from "../scheduler/engine.ts";
import type { AttemptSecretsContext } from "../secrets/resolve-attempt-secrets.ts";
import { createAgentHandlers, type AgentSession } from "./agent-handlers.ts";
import { createAgentLink, type AgentLink } from "./agent-link.ts";
import type { AgentServer } from "./agent-socket.ts";

export interface AgentGatewayOptions {
  readonly engine: Engine;
  readonly tokens: TokenService;
  readonly log: Logger;
  readonly maxMessageBytes: number;
  readonly secrets?: AttemptSecretsContext;
  readonly bundles?: Pick<FunctionBundleRepository, "code">;
  /**
   * Replicas (issue #18): socket.io's Redis adapter, so the leader's messages reach an agent on any replica, and the
   * relay that forwards agents' messages arriving at a standby to the leader.
   */
  readonly replicas?: { readonly adapter: NonNullable<Partial<ServerOptions>["adapter"]>; readonly relay: AgentRelay; readonly epoch: () => number | undefined };
}

export interface AgentGateway {
  readonly io: AgentServer;
  /** Replicas: a new leader asks every agent, on every replica, for a new hello (what it runs and holds). */
  reannounce(epoch: number): void;
  /** At a clean stop: the leader lets the agents on other replicas be (they stay connected there). */
  detach(): void;
}

type Ack = (reply: unknown) => void;
const isForwarded = (event: string): event is Forwarded["event"] => (FORWARDED_EVENTS as readonly string[]).includes(event);

/**
 * socket.io at `/socket.io` for agents only. The handshake takes a join (or admin) token in `auth.token`, or none;
 * then `agent:challenge` hands out a fresh nonce and `agent:hello` must sign it with the machine's identity key (see
 * `agent-handlers.ts`). With replicas every server takes agents: the leader handles its sockets' messages itself, a
 * standby forwards them to the leader (`replica/agent-relay.ts`) and the leader answers through the Redis adapter.
 */
export function attachAgentGateway(http: HttpServer, options: AgentGatewayOptions): AgentGateway {
  const { engine, tokens, log, replicas } = options;
  const io: AgentServer = new Server(http, {
    path: "/socket.io",
    maxHttpBufferSize: options.maxMessageBytes,
    serveClient: false,
    transports: ["websocket", "polling"],
    ...(replicas === undefined ? {} : { adapter: replicas.adapter }),
  });
  let isDetached = false;
  const handlers = createAgentHandlers({
    engine,
    log,
    maxMessageBytes: options.maxMessageBytes,
    ...(options.secrets === undefined ? {} : { secrets: options.secrets }),
    ...(options.bundles === undefined ? {} : { bundles: options.bundles }),
    ...(replicas === undefined
      ? {}
      : {
          askReannounce: (session: AgentSession) => {
            const epoch = replicas.epoch();
            if (epoch !== undefined) session.link.send(AgentEvent.Reannounce, { v: PROTOCOL_VERSION, epoch });
          },
        }),
  });

  io.use((socket, next) => {
    const auth = socket.handshake.auth as { token?: unknown };
    const token = typeof auth.token === "string" && auth.token !== "" ? auth.token : undefined;
    // No token, or one that no longer works (revoked after this machine joined): the hello must prove a known identity.
    tokens.authenticate(token).then(
      (principal) => {
        if (principal && principal.kind !== "join" && principal.kind !== "admin") {
          return next(Object.assign(new Error(`forbidden: a ${principal.kind} token cannot connect an agent`), { data: { kind: "forbidden" } }));
        }
        socket.data.hasJoinToken = principal !== undefined;
        next();
      },
      (error: unknown) => next(error instanceof Error ? error : new Error(String(error))),
    );
  });

  io.on("connection", (socket) => {
    const session: AgentSession = { link: createAgentLink(socket), address: socket.handshake.address, hasJoinToken: socket.data.hasJoinToken };
    const forward = (event: Forwarded["event"], payload: unknown, ack?: Ack): void => {
      const nonce = event === AgentEvent.Hello ? session.nonce : undefined;
      if (event === AgentEvent.Hello) session.nonce = undefined; // one hello per challenge, here too
      replicas?.relay.forward({ socket: socket.id, address: session.address, hasJoinToken: session.hasJoinToken, event, payload, ...(nonce === undefined ? {} : { nonce }) }, ack);
    };
    socket.onAny((event: string, payload: unknown, ack: unknown) => {
      const reply = typeof ack === "function" ? (ack as Ack) : undefined;
      // The challenge is answered where the socket is; the rest by the leader (this server, or over the relay).
      if (replicas === undefined || event === AgentEvent.Challenge || engine.isLeading()) return handlers.handle(session, event, payload, reply);
      if (!isForwarded(event)) return;
      // Redis is away: nothing reaches the leader from here, so the agent is sent on to its next server URL.
      if (!replicas.relay.isConnected()) return void socket.disconnect(true);
      forward(event, payload, reply);
    });
    socket.on("disconnect", (reason) => {
      handlers.closed(session, reason);
      if (replicas !== undefined && !engine.isLeading()) forward("disconnect", reason);
    });
  });

  if (replicas !== undefined) serveForwarded(io, replicas.relay, engine, handlers, () => isDetached);

  return {
    io,
    reannounce(epoch) {
      io.emit(AgentEvent.Reannounce, { v: PROTOCOL_VERSION, epoch });
    },
    detach() {
      isDetached = true;
    },
  };
}

/**
 * The leader's side of the relay: one session per socket on another replica, fed the messages its standby forwards,
 * answering through the Redis adapter (`io.to(socketId)` reaches a socket on any replica).
 */
function serveForwarded(io: AgentServer, relay: AgentRelay, engine: Engine, handlers: ReturnType<typeof createAgentHandlers>, isDetached: () => boolean): void {
  const sessions = new Map<string, AgentSession>();
  relay.serve((message, reply) => {
    if (!engine.isLeading()) return;
    const key = `${message.from}/${message.socket}`;
    let session = sessions.get(key);
    if (message.event === "disconnect") {
      sessions.delete(key);
      if (session !== undefined) handlers.closed(session, `${String(message.payload)} (on replica ${message.from})`);
      return;
    }
    if (session === undefined) {
      session = { link: remoteLink(io, message.socket, () => !isDetached() && engine.isLeading(), () => sessions.delete(key)), address: message.address, hasJoinToken: message.hasJoinToken };
      sessions.set(key, session);
    }
    if (message.event === AgentEvent.Hello) session.nonce = message.nonce;
    handlers.handle(session, message.event, message.payload, message.request === undefined ? undefined : reply);
  });
}

/** The link to an agent whose socket is on another replica: messages go through socket.io's Redis adapter. */
function remoteLink(io: AgentServer, socketId: string, mayDisconnect: () => boolean, forget: () => void): AgentLink {
  const to = () => io.to(socketId);
  return {
    send: (event, ...payload) => void (to().emit as (event: string, ...payload: unknown[]) => boolean)(event, ...payload),
    async request(event, payload, timeoutMs) {
      const replies = await (to().timeout(timeoutMs).emitWithAck as (event: string, payload: unknown) => Promise<unknown[]>)(event, payload);
      if (replies.length === 0) throw new Error(`${event}: the agent's socket ${socketId} is gone`);
      return replies[0];
    },
    disconnect() {
      forget();
      // A deposed or stopping leader leaves other replicas' agents connected (they re-announce to the next leader).
      if (mayDisconnect()) io.in(socketId).disconnectSockets(true);
    },
  };
}
