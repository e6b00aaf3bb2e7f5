import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { AgentHeartbeat, AgentHello, PROTOCOL_VERSION, TaskFinished, TaskLogs, type AgentWelcome, type TaskFinishedItem, type TaskLogItem } from "@handoff/protocol";
import { signGrant, verifyGrant } from "@handoff/protocol/grant";
import { HELLO_PROOF_CONTEXT, verifyHelloProof } from "@handoff/protocol/machine-identity";
import { Server, type Socket } from "socket.io";

export const JOIN_TOKEN = "join-token-for-tests";

/**
 * The server's end of the agent wire, as small as the protocol allows: token check, hello → welcome, and a record of
 * everything agents send. Real socket.io over a real port; it can be stopped and started again on the same port.
 */
export type TestServer = {
  readonly url: string;
  readonly hellos: AgentHello[];
  readonly heartbeats: AgentHeartbeat[];
  readonly finished: TaskFinishedItem[];
  readonly finishedBatches: number[];
  readonly logs: TaskLogItem[];
  readonly logBatches: number[];
  /** Grants agents asked to renew (`grant:refresh`); each is answered with the same grant, valid one more minute. */
  readonly refreshed: string[];
  /** Where `grant:refresh` says the holder is (set by the test). */
  holderUrls: Map<string, string>;
  secretOf(machine: string): string;
  socketOf(machine: string): Socket;
  waitFor<T>(probe: () => T | undefined, what: string, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
  start(): Promise<void>;
};

export async function startTestServer(): Promise<TestServer> {
  let http: HttpServer | undefined;
  let io: Server | undefined;
  let port = 0;
  const sockets = new Map<string, Socket>();
  const record = {
    hellos: [] as AgentHello[],
    heartbeats: [] as AgentHeartbeat[],
    finished: [] as TaskFinishedItem[],
    finishedBatches: [] as number[],
    logs: [] as TaskLogItem[],
    logBatches: [] as number[],
    refreshed: [] as string[],
  };
  const holderUrls = new Map<string, string>();
  const secretOf = (machine: string): string => `grant-secret-of-${machine}-0123456789`;

  async function start(): Promise<void> {
    http = createServer();
    io = new Server(http, { path: "/socket.io", transports: ["websocket"] });
    io.use((socket, next) => {
      const token = (socket.handshake.auth as { token?: unknown }).token;
      if (token !== JOIN_TOKEN) return next(Object.assign(new Error("unauthorized: a valid join token is required"), { data: { kind: "unauthorized" } }));
      next();
    });
    io.on("connection", (socket) => {
      let nonce: string | undefined;
      socket.on("agent:challenge", (_payload: unknown, ack: (answer: unknown) => void) => {
        nonce = `nonce-${Math.random().toString(36).slice(2)}-${Date.now()}`;
        ack({ v: PROTOCOL_VERSION, nonce, context: HELLO_PROOF_CONTEXT });
      });
      socket.on("agent:hello", (payload: unknown, ack: (answer: unknown) => void) => {
        const hello = AgentHello.safeParse(payload);
        if (!hello.success) return ack({ ok: false, error: { kind: "invalid_message", message: hello.error.message } });
        const proven = nonce !== undefined && verifyHelloProof(hello.data.identity.publicKey, hello.data.identity.signature, { context: HELLO_PROOF_CONTEXT, nonce, name: hello.data.name });
        nonce = undefined;
        if (!proven) return ack({ ok: false, error: { kind: "unauthorized", message: "the hello does not sign this connection's challenge" } });
        record.hellos.push(hello.data);
        sockets.set(hello.data.name, socket);
        const welcome: AgentWelcome = { v: PROTOCOL_VERSION, machine: hello.data.name, grantSecret: secretOf(hello.data.name), heartbeatIntervalMs: 50 };
        ack({ ok: true, welcome });
      });
      socket.on("grant:refresh", (payload: { grant: string }, ack: (answer: unknown) => void) => {
        record.refreshed.push(payload.grant);
        const holder = (JSON.parse(Buffer.from(payload.grant.split(".")[0] ?? "", "base64url").toString("utf8")) as { holder: string }).holder;
        const verified = verifyGrant(secretOf(holder), payload.grant, { now: 0, holder });
        const url = holderUrls.get(holder);
        if (!verified.ok || url === undefined) return ack({ ok: false, error: { kind: "forbidden", message: "no" } });
        ack({ ok: true, grant: signGrant(secretOf(holder), { ...verified.grant, expiresAt: Date.now() + 60_000 }), url });
      });
      socket.on("agent:heartbeat", (payload: unknown) => record.heartbeats.push(AgentHeartbeat.parse(payload)));
      socket.on("task:finished", (payload: unknown) => {
        const { items } = TaskFinished.parse(payload);
        record.finishedBatches.push(items.length);
        record.finished.push(...items);
      });
      socket.on("task:logs", (payload: unknown) => {
        const { items } = TaskLogs.parse(payload);
        record.logBatches.push(items.length);
        record.logs.push(...items);
      });
    });
    await new Promise<void>((resolve) => http?.listen(port, "127.0.0.1", resolve));
    port = (http.address() as AddressInfo).port;
  }

  async function stop(): Promise<void> {
    sockets.clear();
    await new Promise<void>((resolve) => {
      if (io === undefined) return resolve();
      void io.close(() => resolve());
    });
    http?.closeAllConnections();
  }

  await start();
  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    ...record,
    holderUrls,
    secretOf,
    socketOf(machine) {
      const socket = sockets.get(machine);
      if (socket === undefined) throw new Error(`no agent called ${machine} is connected`);
      return socket;
    },
    async waitFor(probe, what, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = probe();
        if (found !== undefined && found !== false) return found;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    stop,
    start,
  };
}
