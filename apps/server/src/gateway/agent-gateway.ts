import type { Server as HttpServer } from "node:http";
import { Server, type Socket } from "socket.io";
import { AgentEvent, AgentHeartbeat, AgentHello, ResultEvicted, TaskFinished, TaskLogs, formatIssues } from "@handoff/protocol";
import type { z } from "zod";
import type { TokenService } from "../auth/tokens.ts";
import type { Logger } from "../log.ts";
import type { AgentLink, Engine } from "../scheduler/engine.ts";

interface SocketData {
  tokenId: string;
  machine?: string;
  link?: AgentLink;
}

type AgentSocket = Socket<Record<string, (...args: never[]) => void>, Record<string, (...args: never[]) => void>, Record<string, never>, SocketData>;

/**
 * socket.io at `/socket.io` for agents only: a join (or admin) token in `auth.token`, then `agent:hello`.
 * Every message is parsed with zod; a malformed one is answered (when it has an ack) with the field path
 * and otherwise dropped — the connection and everyone else carry on.
 */
export function attachAgentGateway(http: HttpServer, options: { engine: Engine; tokens: TokenService; log: Logger; maxMessageBytes: number }): Server {
  const { engine, tokens, log } = options;
  const io = new Server(http, {
    path: "/socket.io",
    maxHttpBufferSize: options.maxMessageBytes,
    serveClient: false,
    transports: ["websocket", "polling"],
  });

  io.use((socket, next) => {
    const auth = socket.handshake.auth as { token?: unknown };
    const token = typeof auth.token === "string" ? auth.token : undefined;
    tokens.authenticate(token).then(
      (principal) => {
        if (!principal) return next(Object.assign(new Error("unauthorized: a valid join token is required"), { data: { kind: "unauthorized" } }));
        if (principal.kind !== "join" && principal.kind !== "admin") {
          return next(Object.assign(new Error(`forbidden: a ${principal.kind} token cannot connect an agent`), { data: { kind: "forbidden" } }));
        }
        (socket.data as SocketData).tokenId = principal.tokenId;
        next();
      },
      (error: unknown) => next(error instanceof Error ? error : new Error(String(error))),
    );
  });

  tokens.onRevoke((tokenId) => engine.disconnectToken(tokenId));

  io.on("connection", (raw) => {
    const socket = raw as unknown as AgentSocket;
    const data = socket.data;
    const link: AgentLink = {
      send: (event, payload) => void socket.emit(event, payload as never),
      request: (event, payload, timeoutMs) => socket.timeout(timeoutMs).emitWithAck(event, payload as never),
      disconnect: () => void socket.disconnect(true),
    };

    const parse = <T>(schema: z.ZodType<T>, what: string, payload: unknown): T | undefined => {
      const parsed = schema.safeParse(payload);
      if (parsed.success) return parsed.data;
      log.warn("malformed agent message", { machine: data.machine, event: what, problems: describeIssues(parsed.error.issues, payload) });
      return undefined;
    };

    socket.on(AgentEvent.Hello, (payload: unknown, ack?: unknown) => {
      const reply = typeof ack === "function" ? (ack as (answer: unknown) => void) : () => undefined;
      const hello = AgentHello.safeParse(payload);
      if (!hello.success) {
        reply({ ok: false, error: { kind: "invalid_message", message: `agent:hello: ${describeIssues(hello.error.issues, payload)}` } });
        return;
      }
      engine.connectAgent(hello.data, link, data.tokenId).then(
        (welcome) => {
          data.machine = hello.data.name;
          data.link = link;
          reply({ ok: true, welcome });
        },
        (error: unknown) => {
          log.error("agent registration failed", { machine: hello.data.name, error: String(error) });
          reply({ ok: false, error: { kind: "internal", message: "registration failed on the server" } });
        },
      );
    });

    socket.on(AgentEvent.Heartbeat, (payload: unknown) => {
      if (!data.machine) return;
      const beat = parse(AgentHeartbeat, AgentEvent.Heartbeat, payload);
      if (beat) engine.heartbeat(data.machine, link, beat);
    });

    socket.on(AgentEvent.TaskFinished, (payload: unknown) => {
      if (!data.machine) return;
      const finished = parse(TaskFinished, AgentEvent.TaskFinished, payload);
      if (finished) engine.finished(data.machine, link, finished.items);
    });

    socket.on(AgentEvent.TaskLogs, (payload: unknown) => {
      if (!data.machine) return;
      const logs = parse(TaskLogs, AgentEvent.TaskLogs, payload);
      if (logs) engine.logs(data.machine, link, logs.items);
    });

    socket.on(AgentEvent.ResultEvicted, (payload: unknown) => {
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

function describeIssues(issues: Parameters<typeof formatIssues>[0], input: unknown): string {
  return formatIssues(issues, input)
    .map((issue) => `${issue.path || "(root)"}: ${issue.message}`)
    .join("; ");
}
