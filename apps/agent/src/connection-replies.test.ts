import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { PROTOCOL_VERSION } from "@handoff/protocol";
import { Server, type Socket } from "socket.io";
import { afterEach, describe, expect, it } from "vitest";
import { connectToServer, type Connection, type ConnectionFatal } from "./connection.ts";

type Answer = (payload: unknown, ack: (reply: unknown) => void) => void;
type PeerServer = { url: string; close(): Promise<void> };

const challenge = { v: PROTOCOL_VERSION, nonce: "nonce-0123456789abcdef", context: "handoff-test" };
const welcome = { v: PROTOCOL_VERSION, machine: "machine-a", grantSecret: "secret-0123456789abcdef", heartbeatIntervalMs: 60_000 };

/** A real socket.io server that answers the agent's requests as told (a peer that may answer badly). */
async function startPeer(answers: { challenge?: Answer; hello?: Answer; grantRefresh?: Answer }): Promise<PeerServer> {
  const http = createServer();
  const io = new Server(http, { path: "/socket.io", transports: ["websocket"] });
  io.on("connection", (socket: Socket) => {
    socket.on("agent:challenge", answers.challenge ?? ((_payload, ack: (reply: unknown) => void) => ack(challenge)));
    socket.on("agent:hello", answers.hello ?? ((_payload, ack: (reply: unknown) => void) => ack({ ok: true, welcome })));
    if (answers.grantRefresh) socket.on("grant:refresh", answers.grantRefresh);
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => io.close() };
}

type Connected = { connection: Connection; fatal: Promise<ConnectionFatal>; welcomed: Promise<void>; logs: string[] };

function connect(url: string): Connected {
  const logs: string[] = [];
  let onFatal: (error: ConnectionFatal) => void = () => undefined;
  let onWelcome: () => void = () => undefined;
  const fatal = new Promise<ConnectionFatal>((resolve) => (onFatal = resolve));
  const welcomed = new Promise<void>((resolve) => (onWelcome = resolve));
  const connection = connectToServer({
    serverUrl: url,
    hello: () => ({ name: "machine-a", capacity: { slots: 1 }, functions: [], agentVersion: "test", resultUrl: "http://127.0.0.1:1/", running: [], labels: {}, held: [] }),
    identify: () => ({ publicKey: "test-key", signature: "test-signature" }),
    heartbeat: () => ({ cpuPercent: 0, memoryUsedMb: 0, memoryTotalMb: 0, running: [] }),
    onWelcome: () => onWelcome(),
    onAssign: () => undefined,
    onAbort: () => undefined,
    onResultPut: () => Promise.resolve({ ok: true, result: { size: 0, contentType: "application/json", preview: "", truncated: false } }),
    onFatal: (error) => onFatal(error),
    log: (level, message) => logs.push(`${level}: ${message}`),
    reconnectDelayMs: 50,
    reconnectDelayMaxMs: 100,
  });
  return { connection, fatal, welcomed, logs };
}

let peer: PeerServer | undefined;
let connected: Connected | undefined;

afterEach(async () => {
  connected?.connection.close();
  await peer?.close();
  peer = connected = undefined;
});

describe("when the server's reply to the agent is malformed", () => {
  it("stops on a malformed challenge with an error naming agent:challenge and the field", async () => {
    peer = await startPeer({ challenge: (_payload, ack) => ack({ v: PROTOCOL_VERSION, nonce: 42, context: "x" }) });
    connected = connect(peer.url);
    expect(await connected.fatal).toEqual({ kind: "invalid_message", message: "the reply to agent:challenge is malformed: nonce: expected string, got number" });
  });

  it("stops on a welcome without its grant secret, naming the missing field", async () => {
    const { grantSecret: _dropped, ...incomplete } = welcome;
    peer = await startPeer({ hello: (_payload, ack) => ack({ ok: true, welcome: incomplete }) });
    connected = connect(peer.url);
    expect(await connected.fatal).toEqual({ kind: "invalid_message", message: "the reply to agent:hello is malformed: welcome.grantSecret: expected string (missing)" });
    expect(connected.connection.isWelcomed()).toBe(false);
  });

  it("answers a malformed grant:refresh reply with no grant and logs why", async () => {
    peer = await startPeer({ grantRefresh: (_payload, ack) => ack({ ok: true, grant: "g", url: "not a url" }) });
    connected = connect(peer.url);
    await connected.welcomed;
    expect(await connected.connection.refreshGrant("old-grant")).toBeUndefined();
    expect(connected.logs).toContainEqual(expect.stringMatching(/^error: the reply to grant:refresh is malformed: url: /));
  });

  it("reads a well-formed grant:refresh reply", async () => {
    peer = await startPeer({ grantRefresh: (_payload, ack) => ack({ ok: true, grant: "new-grant", url: "http://127.0.0.1:9/" }) });
    connected = connect(peer.url);
    await connected.welcomed;
    expect(await connected.connection.refreshGrant("old-grant")).toEqual({ ok: true, grant: "new-grant", url: "http://127.0.0.1:9/" });
  });
});
