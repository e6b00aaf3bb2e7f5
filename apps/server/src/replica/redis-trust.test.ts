import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { Server } from "socket.io";
import { io as connectClient, type Socket } from "socket.io-client";
import { afterAll, expect, it } from "vitest";
import { createAgentRelay, TO_LEADER, type Forwarded } from "./agent-relay.ts";
import { createCredentialBus } from "./credential-bus.ts";
import { deriveReplicaKeys } from "./message-seal.ts";
import { recordingLogger, describeRedis } from "./redis.test-support.ts";
import { ADAPTER_KEY, redisSocketAdapter } from "./redis-adapter.ts";

// Issue #18 §1: Redis is not trusted. Whoever can publish there forges nothing replicas act on, and a message a
// replica sent, captured there and published again, is not acted on twice. Each test publishes the attack straight
// into Redis with a raw client, then a genuine message after it: once the genuine one has arrived, the attack (sent
// first, on the same server) has been delivered too — and must have been dropped.
const keys = deriveReplicaKeys(randomBytes(32));
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describeRedis("when someone who can publish on the replicas' Redis forges or replays their messages", (redisUrl) => {
  const raw = (): Redis => {
    const client = new Redis(redisUrl);
    cleanups.push(() => client.disconnect());
    return client;
  };

  it("the leader never serves a relay message forged or replayed on Redis, nor one sealed under another key", async () => {
    const log = recordingLogger();
    const [leaderId, standbyId, strangerId] = [`leader-${randomUUID()}`, `standby-${randomUUID()}`, `stranger-${randomUUID()}`];
    const leader = createAgentRelay({ redisUrl, replicaId: leaderId, log, keys });
    const standby = createAgentRelay({ redisUrl, replicaId: standbyId, log, keys });
    const stranger = createAgentRelay({ redisUrl, replicaId: strangerId, log, keys: deriveReplicaKeys(randomBytes(32)) });
    cleanups.push(() => leader.close(), () => standby.close(), () => stranger.close());
    const ours = new Set([standbyId, strangerId, "forger"]);
    const served: Forwarded[] = []; // other replicas may share this Redis: only this test's senders count
    leader.serve((message) => void (ours.has(message.from) && served.push(message)));
    const heartbeat = (marker: string): Omit<Forwarded, "from" | "request"> => ({ socket: "s1", address: "127.0.0.1", hasJoinToken: false, event: "agent:heartbeat", payload: { marker } });
    // Readiness is polled: late "ready" copies are left out of what the test reads.
    const markers = () => served.map((message) => `${message.from === standbyId ? "standby" : message.from}:${(message.payload as { marker?: string }).marker}`).filter((marker) => !marker.endsWith(":ready"));
    await expect.poll(() => (standby.forward(heartbeat("ready")), served.length > 0), { timeout: 10_000, interval: 50 }).toBe(true);

    const spy = raw();
    const captured: Buffer[] = [];
    spy.on("messageBuffer", (channel: Buffer, message: Buffer) => void (channel.toString() === TO_LEADER && captured.push(message)));
    await spy.subscribe(TO_LEADER);
    standby.forward(heartbeat("first"));
    await expect.poll(() => markers(), { timeout: 10_000 }).toEqual(["standby:first"]);
    await expect.poll(() => captured.length, { timeout: 10_000 }).toBeGreaterThan(0);

    const replayed = captured.slice();
    // Sealed under another key: once the spy has it, Redis has delivered it to the leader too (JSON there is others' traffic).
    stranger.forward(heartbeat("stranger"));
    await expect.poll(() => captured.slice(replayed.length).some((message) => message[0] !== 0x7b), { timeout: 10_000 }).toBe(true);
    const forged = { from: "forger", socket: "s1", address: "127.0.0.1", hasJoinToken: true, event: "agent:task-finished", payload: { marker: "forged" } };
    const publisher = raw();
    await publisher.publish(TO_LEADER, JSON.stringify(forged));
    for (const message of replayed) await publisher.publish(TO_LEADER, message);
    standby.forward(heartbeat("last"));
    await expect.poll(() => markers().at(-1), { timeout: 10_000 }).toBe("standby:last");
    expect(markers()).toEqual(["standby:first", "standby:last"]);
    expect(log.lines.join("\n")).toMatch(/did not open \(forged, altered, or sealed under another key\); dropped, not acted on/);
  });

  it("an agent's socket never gets a message forged on the adapter's channels (JSON requests too), nor a replayed one", async () => {
    const log = recordingLogger();
    const listen = async (): Promise<{ io: Server; url: string }> => {
      const http: HttpServer = createServer();
      const adapter = redisSocketAdapter({ redisUrl, log, keys });
      const io = new Server(http, { adapter: adapter.adapter, transports: ["websocket"] });
      await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
      cleanups.push(() => adapter.close(), () => io.close());
      return { io, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
    };
    const [leader, standby] = [await listen(), await listen()];
    const agent: Socket = connectClient(standby.url, { transports: ["websocket"] });
    cleanups.push(() => agent.close());
    const received: string[] = [];
    agent.onAny((event: string, payload: unknown) => void (payload !== "ready" && received.push(`${event}:${JSON.stringify(payload)}`)));
    let isReady = false;
    agent.on("probe", (payload: unknown) => void (isReady ||= payload === "ready"));
    await new Promise<void>((resolve) => agent.once("connect", resolve));
    const socketId = agent.id as string;
    await expect.poll(() => (leader.io.to(socketId).emit("probe", "ready"), isReady), { timeout: 10_000, interval: 50 }).toBe(true);

    const spy = raw();
    const captured: { channel: string; message: Buffer }[] = [];
    spy.on("pmessageBuffer", (_pattern: string, channel: Buffer, message: Buffer) => void captured.push({ channel: channel.toString(), message }));
    await spy.psubscribe(`${ADAPTER_KEY}*`);
    leader.io.to(socketId).emit("probe", "first");
    await expect.poll(() => received, { timeout: 10_000 }).toEqual(['probe:"first"']);
    await expect.poll(() => captured.some(({ channel }) => channel.includes(socketId)), { timeout: 10_000 }).toBe(true);

    // A task assignment as socket.io's adapter takes it from another server: a JSON BROADCAST request (past its parser).
    const packet = { type: 2, nsp: "/", data: ["agent:assign", { forged: true }] };
    const forged = { uid: "forger", requestId: randomUUID(), type: 7, packet, opts: { rooms: [socketId], except: [], flags: {} } };
    const publisher = raw();
    await publisher.publish(`${ADAPTER_KEY}-request#/#`, JSON.stringify(forged));
    for (const { channel, message } of captured.filter(({ channel }) => channel.includes(socketId))) await publisher.publish(channel, message);
    leader.io.to(socketId).emit("probe", "last");
    await expect.poll(() => received.at(-1), { timeout: 10_000 }).toBe('probe:"last"');
    expect(received).toEqual(['probe:"first"', 'probe:"last"']);
    expect(log.lines.join("\n")).toMatch(/dropped, not acted on/);
  });

  it("a replica forgets no credential on a revocation forged on Redis", async () => {
    const log = recordingLogger();
    const heard: string[] = [];
    const [a, b] = [`a-${randomUUID()}`, `b-${randomUUID()}`];
    let isReady = false;
    const onRemote = (kind: string, id: string): void => {
      if (id === "test-ready") isReady = true;
      else if (id.startsWith("test-")) heard.push(`${kind}:${id}`);
    };
    const listener = createCredentialBus({ redisUrl, replicaId: a, log, keys, onRemote });
    const sender = createCredentialBus({ redisUrl, replicaId: b, log, keys, onRemote: () => undefined });
    cleanups.push(() => listener.close(), () => sender.close());
    await expect.poll(() => (sender.revoked("token", "test-ready"), isReady), { timeout: 10_000, interval: 50 }).toBe(true);
    await raw().publish("handoff:credentials:revoked", JSON.stringify({ from: "forger", kind: "session", id: "test-forged" }));
    sender.revoked("token", "test-last");
    await expect.poll(() => heard, { timeout: 10_000 }).toEqual(["token:test-last"]);
  });
});
