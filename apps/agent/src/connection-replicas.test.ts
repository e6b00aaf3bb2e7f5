import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { PROTOCOL_VERSION, type TaskAssignItem } from "@handoff/protocol";
import { Server, type Socket } from "socket.io";
import { afterEach, describe, expect, it } from "vitest";
import { connectToServer, type Connection } from "./connection.ts";

// Issue #18: an agent given several server URLs finds one that takes it (past dead URLs and a server refusing the
// transport), and refuses assignments from a leader older than the newest it has seen (lease epochs).
const challenge = { v: PROTOCOL_VERSION, nonce: "nonce-0123456789abcdef", context: "handoff-test" };

type Peer = { url: string; sockets: Socket[]; hellos: number; close(): Promise<void> };

/** A real socket.io server: a leader welcomes (under `epoch`), a standby refuses every transport like the server's gateway does. */
async function startPeer(role: { leader: true; epoch: number } | { leader: false }): Promise<Peer> {
  const http = createServer();
  const sockets: Socket[] = [];
  const peer = { url: "", sockets, hellos: 0, close: () => io.close() };
  const io = new Server(http, { path: "/socket.io", transports: ["websocket"], allowRequest: (_request, callback) => callback(role.leader ? null : "standby replica", role.leader) });
  io.on("connection", (socket: Socket) => {
    sockets.push(socket);
    socket.on("agent:challenge", (_payload, ack: (reply: unknown) => void) => ack(challenge));
    socket.on("agent:hello", (_payload, ack: (reply: unknown) => void) => {
      peer.hellos += 1;
      ack({ ok: true, welcome: { v: PROTOCOL_VERSION, machine: "machine-a", grantSecret: "secret-0123456789abcdef", heartbeatIntervalMs: 60_000, ...(role.leader ? { epoch: role.epoch } : {}) } });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  peer.url = `http://127.0.0.1:${port}`;
  return peer;
}

const item = (n: number): TaskAssignItem => ({ attemptId: `run-r/t${n}#1`, runId: "run-r", taskId: `t${n}`, attempt: 1, fn: "std.constant", inputs: [], extraArgs: [n], argumentInclusion: "variadic" });

let peers: Peer[] = [];
let connection: Connection | undefined;

afterEach(async () => {
  connection?.close();
  await Promise.all(peers.map((peer) => peer.close()));
  peers = [];
  connection = undefined;
});

function connect(urls: readonly string[], assigned: string[], logs: string[], events: string[] = []): Promise<void> {
  return new Promise((resolve) => {
    connection = connectToServer({
      serverUrl: urls[0] as string,
      serverUrls: urls,
      hello: () => ({ name: "machine-a", capacity: { slots: 1 }, functions: [], agentVersion: "test", resultUrl: "http://127.0.0.1:1/", running: [], labels: {}, held: [] }),
      identify: () => ({ publicKey: "test-key", signature: "test-signature" }),
      heartbeat: () => ({ cpuPercent: 0, memoryUsedMb: 0, memoryTotalMb: 0, running: [] }),
      onWelcome: () => resolve(),
      onAssign: (assignment) => assigned.push(assignment.attemptId),
      onAbort: (abort) => events.push(`abort ${abort.attemptId}`),
      onRunEnded: (runId) => events.push(`ended ${runId}`),
      onResultPut: () => Promise.resolve({ ok: true, result: { size: 0, contentType: "application/json", preview: "", truncated: false } }),
      onFatal: () => undefined,
      log: (level, message) => logs.push(`${level}: ${message}`),
      reconnectDelayMs: 50,
      reconnectDelayMaxMs: 100,
    });
  });
}

describe("when an agent is given several server URLs", () => {
  it("moves past a standby (and a dead URL) to the leader, and refuses assignments of an older leader epoch", async () => {
    const standby = await startPeer({ leader: false });
    const leader = await startPeer({ leader: true, epoch: 5 });
    peers = [standby, leader];
    const assigned: string[] = [];
    const logs: string[] = [];
    await connect([standby.url, "http://127.0.0.1:1", leader.url], assigned, logs);
    expect(connection?.currentUrl()).toBe(leader.url);
    expect(standby.sockets).toEqual([]);

    const socket = leader.sockets[0]!;
    socket.emit("task:assign", { v: 1, items: [item(1)], epoch: 4 }); // a deposed leader's late assignment
    socket.emit("task:assign", { v: 1, items: [item(2)], epoch: 5 });
    socket.emit("task:assign", { v: 1, items: [item(3)], epoch: 6 }); // a newer leader took over
    socket.emit("task:assign", { v: 1, items: [item(4)], epoch: 5 });
    socket.emit("task:assign", { v: 1, items: [item(5)] }); // one server: no epoch, nothing to compare
    await expect.poll(() => assigned.length).toBe(3);
    expect(assigned).toEqual(["run-r/t2#1", "run-r/t3#1", "run-r/t5#1"]);
    expect(logs.filter((line) => line.includes("refused"))).toEqual([
      "warn: refused 1 assignments of leader epoch 4: a newer leader (epoch 5) took over",
      "warn: refused 1 assignments of leader epoch 5: a newer leader (epoch 6) took over",
    ]);
  });
});

describe("when a new leader asks the agents to re-announce", () => {
  it("says hello again on the same socket, and ignores a deposed leader's re-announce, aborts and run ends", async () => {
    const replica = await startPeer({ leader: true, epoch: 5 });
    peers = [replica];
    const events: string[] = [];
    await connect([replica.url], [], [], events);
    const socket = replica.sockets[0]!;
    socket.emit("agent:reannounce", { v: 1, epoch: 6 }); // the replica's new leader
    await expect.poll(() => replica.hellos).toBe(2);
    socket.emit("agent:reannounce", { v: 1, epoch: 5 }); // the deposed one
    socket.emit("task:abort", { v: 1, attemptId: "run-r/t1#1", reason: "cancelled", epoch: 5 });
    socket.emit("run:ended", { v: 1, runId: "run-old", epoch: 5 });
    socket.emit("task:abort", { v: 1, attemptId: "run-r/t2#1", reason: "cancelled", epoch: 6 });
    socket.emit("run:ended", { v: 1, runId: "run-new" });
    await expect.poll(() => events).toEqual(["abort run-r/t2#1", "ended run-new"]);
    expect([replica.hellos, replica.sockets.length]).toEqual([2, 1]);
  });
});
