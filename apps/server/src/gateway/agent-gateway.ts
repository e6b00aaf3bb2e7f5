import { randomBytes } from "node:crypto";
import type { Server as HttpServer } from "node:http";
import { Server } from "socket.io";
import { AgentEvent, AgentHeartbeat, AgentHello, GrantRefresh, PROTOCOL_VERSION, ResultEvicted, SecretResolve, TaskFinished, TaskLogs, describeIssues } from "@handoff/protocol";
import { HELLO_PROOF_CONTEXT, verifyHelloProof } from "@handoff/protocol/machine-identity";
import type { z } from "zod";
import type { TokenService } from "../auth/tokens.ts";
import type { Logger } from "../log.ts";
import { announcedPort } from "../machines/holder-url.ts";
import { refreshGrant } from "../machines/refresh-grant.ts";
import type { Engine } from "../scheduler/engine.ts";
import { resolveAttemptSecrets, type AttemptSecretsContext } from "../secrets/resolve-attempt-secrets.ts";
import { createAgentLink } from "./agent-link.ts";
import type { AgentServer } from "./agent-socket.ts";

/**
 * socket.io at `/socket.io` for agents only. The handshake takes a join (or admin) token in `auth.token`, or none;
 * then `agent:challenge` hands out a fresh nonce and `agent:hello` must sign it with the machine's identity key. A
 * known identity needs no token; a new one needs the join token. Every message is parsed with zod; a malformed one is
 * answered (when it has an ack) with the field path and otherwise dropped — the connection and everyone else carry on.
 */
export function attachAgentGateway(http: HttpServer, options: { engine: Engine; tokens: TokenService; log: Logger; maxMessageBytes: number; secrets?: AttemptSecretsContext }): AgentServer {
  const { engine, tokens, log } = options;
  const io: AgentServer = new Server(http, {
    path: "/socket.io",
    maxHttpBufferSize: options.maxMessageBytes,
    serveClient: false,
    transports: ["websocket", "polling"],
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
    const data = socket.data;
    const link = createAgentLink(socket);

    const parse = <T>(schema: z.ZodType<T>, what: string, payload: unknown): T | undefined => {
      const parsed = schema.safeParse(payload);
      if (parsed.success) return parsed.data;
      log.warn("malformed agent message", { machine: data.machine, event: what, problems: describeIssues(parsed.error.issues, payload) });
      return undefined;
    };

    socket.on(AgentEvent.Challenge, (_payload, ack) => {
      if (typeof ack !== "function") return;
      data.nonce = randomBytes(24).toString("base64url");
      ack({ v: PROTOCOL_VERSION, nonce: data.nonce, context: HELLO_PROOF_CONTEXT });
    });

    socket.on(AgentEvent.Hello, (payload, ack) => {
      const reply = typeof ack === "function" ? ack : () => undefined;
      const nonce = data.nonce;
      data.nonce = undefined; // one hello per challenge
      const hello = AgentHello.safeParse(payload);
      if (!hello.success) {
        reply({ ok: false, error: { kind: "invalid_message", message: `agent:hello: ${describeIssues(hello.error.issues, payload)}` } });
        return;
      }
      const { name, identity } = hello.data;
      if (nonce === undefined || !verifyHelloProof(identity.publicKey, identity.signature, { context: HELLO_PROOF_CONTEXT, nonce, name })) {
        log.warn("agent hello without a valid identity proof", { machine: name, address: socket.handshake.address, challenged: nonce !== undefined });
        reply({
          ok: false,
          error: {
            kind: "unauthorized",
            message: `agent:hello for machine "${name}": identity.signature does not sign this connection's challenge (${nonce === undefined ? "ask agent:challenge first; each challenge is good for one hello" : "wrong key, nonce or context"})`,
          },
        });
        return;
      }
      const port = announcedPort(hello.data.resultUrl);
      if (!port.ok) {
        reply({ ok: false, error: { kind: "invalid_message", message: `agent:hello: ${port.message}` } });
        return;
      }
      engine.connectAgent(hello.data, link, { hasJoinToken: data.hasJoinToken, address: socket.handshake.address, resultPort: port.port }).then(
        (admitted) => {
          if (!admitted.ok) return reply({ ok: false, error: { kind: admitted.kind, message: admitted.message } });
          data.machine = name;
          reply({ ok: true, welcome: admitted.welcome });
        },
        (error: unknown) => {
          log.error("agent registration failed", { machine: hello.data.name, error: String(error) });
          reply({ ok: false, error: { kind: "internal", message: "registration failed on the server" } });
        },
      );
    });

    socket.on(AgentEvent.GrantRefresh, (payload, ack) => {
      if (typeof ack !== "function") return;
      const reply = ack;
      if (!data.machine) return reply({ ok: false, error: { kind: "unauthorized", message: "grant:refresh before a welcome" } });
      const request = GrantRefresh.safeParse(payload);
      if (!request.success) return reply({ ok: false, error: { kind: "invalid_message", message: `grant:refresh: ${describeIssues(request.error.issues, payload)}` } });
      const refreshed = refreshGrant(engine, data.machine, request.data.grant);
      reply(refreshed.ok ? refreshed : { ok: false, error: { kind: refreshed.kind, message: refreshed.message } });
    });

    socket.on(AgentEvent.SecretResolve, (payload, ack) => {
      if (typeof ack !== "function") return;
      if (!data.machine || !options.secrets) return ack({ ok: false, error: { kind: "unauthorized", message: "secret:resolve before a welcome" } });
      const request = SecretResolve.safeParse(payload);
      if (!request.success) return ack({ ok: false, error: { kind: "invalid_message", message: `secret:resolve: ${describeIssues(request.error.issues, payload)}` } });
      resolveAttemptSecrets(options.secrets, data.machine, link, request.data).then(ack, (error: unknown) => {
        log.error("secret:resolve failed", { machine: data.machine, error: error instanceof Error ? error.message : String(error) });
        ack({ ok: false, error: { kind: "internal", message: "secret:resolve failed on the server" } });
      });
    });

    socket.on(AgentEvent.Heartbeat, (payload) => {
      if (!data.machine) return;
      const beat = parse(AgentHeartbeat, AgentEvent.Heartbeat, payload);
      if (beat) engine.heartbeat(data.machine, link, beat);
    });

    socket.on(AgentEvent.TaskFinished, (payload) => {
      if (!data.machine) return;
      const finished = parse(TaskFinished, AgentEvent.TaskFinished, payload);
      if (finished) engine.finished(data.machine, link, finished.items);
    });

    socket.on(AgentEvent.TaskLogs, (payload) => {
      if (!data.machine) return;
      const logs = parse(TaskLogs, AgentEvent.TaskLogs, payload);
      if (logs) engine.logs(data.machine, link, logs.items);
    });

    socket.on(AgentEvent.ResultEvicted, (payload) => {
      if (!data.machine) return;
      const evicted = parse(ResultEvicted, AgentEvent.ResultEvicted, payload);
      if (evicted) engine.resultsEvicted(data.machine, link, evicted.items);
    });

    socket.on("disconnect", (reason) => {
      if (data.machine) engine.disconnectAgent(data.machine, link, reason);
    });
  });

  return io;
}
