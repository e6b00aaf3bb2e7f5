import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { signGrant } from "@handoff/protocol/grant";
import type { TaskAssignItem } from "@handoff/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFunctionModules, type FunctionFolder } from "../test/function-fixtures.ts";
import { JOIN_TOKEN, startTestServer, type TestServer } from "../test/test-server.ts";
import { startAgent, type AgentOptions, type RunningAgent } from "./agent.ts";

const parityModule = fileURLToPath(new URL("./executor/fixtures/parity-functions.ts", import.meta.url));

let server: TestServer;
let folder: FunctionFolder;
let dataDir: string;
let agent: RunningAgent;
const agentLog: string[] = [];

function options(name: string, overrides: Partial<AgentOptions> = {}): AgentOptions {
  return {
    serverUrl: server.url,
    token: JOIN_TOKEN,
    name,
    capacity: { slots: 2, gpu: 1 },
    functions: [folder.tsModule, folder.mjsModule, parityModule],
    dataDir: join(dataDir, name),
    resultHost: "127.0.0.1",
    log: (level, message) => agentLog.push(`${level}: ${message}`),
    connection: { reconnectDelayMs: 50, reconnectDelayMaxMs: 200 },
    ...overrides,
  };
}

let seq = 0;
function assignItem(fn: string, extraArgs: unknown[] = [], overrides: Partial<TaskAssignItem> = {}): TaskAssignItem {
  seq += 1;
  return { attemptId: `run-c/t${seq}#1`, runId: "run-c", taskId: `t${seq}`, attempt: 1, fn, inputs: [], extraArgs, argumentInclusion: "variadic", ...overrides };
}

const finishedFor = (attemptId: string) => () => server.finished.find((item) => item.attemptId === attemptId);

beforeAll(async () => {
  server = await startTestServer();
  folder = await writeFunctionModules();
  dataDir = await mkdtemp(join(tmpdir(), "handoff-agent-conn-"));
  agent = await startAgent(options("machine-a"));
  await agent.welcomed;
});

afterAll(async () => {
  await agent.stop();
  await server.stop();
  await folder.remove();
  await rm(dataDir, { recursive: true, force: true });
});

describe("when the agent connects", () => {
  it("says hello with its capacity, catalogue, result URL and identity, and is welcomed", async () => {
    const hello = server.hellos.find((h) => h.name === "machine-a");
    expect(hello?.identity.publicKey).toBe(agent.publicKey);
    expect(hello).toBeDefined();
    expect(hello?.capacity).toMatchObject({ slots: 2, gpu: 1 });
    expect(hello?.capacity.cpu).toBeGreaterThan(0);
    expect(hello?.capacity.memory).toBeGreaterThan(0);
    const names = hello?.functions.map((f) => f.name) ?? [];
    expect(names).toEqual(expect.arrayContaining(["std.sum", "test.spin", "mjs.triple", "parity.route"]));
    expect(hello?.resultUrl).toBe(agent.resultUrl);
    expect(hello?.running).toEqual([]);
    expect(agent.catalogue.map((f) => f.name)).toEqual(names);
  });

  it("sends heartbeats with the machine's load", async () => {
    const beat = await server.waitFor(() => server.heartbeats[0], "a heartbeat");
    expect(beat.memoryTotalMb).toBeGreaterThan(0);
    expect(beat.memoryUsedMb).toBeGreaterThan(0);
    expect(beat.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(beat.cpuPercent).toBeLessThanOrEqual(100);
  });
});

describe("when the server assigns attempts", () => {
  it("runs them and reports each result's size, content type and preview", async () => {
    const number = assignItem("std.constant", [42]);
    const text = assignItem("std.constant", ["é".repeat(3000)]);
    const bytes = assignItem("std.bytes", [10, 1]);
    server.socketOf("machine-a").emit("task:assign", { v: 1, items: [number, text, bytes] });
    const done = await Promise.all([number, text, bytes].map((item) => server.waitFor(finishedFor(item.attemptId), item.attemptId)));
    expect(done[0]).toMatchObject({ ok: true, result: { size: 2, contentType: "application/json", preview: "42", truncated: false } });
    expect(done[1]).toMatchObject({ ok: true, result: { size: 6002, contentType: "application/json", truncated: true } });
    expect(done[2]).toMatchObject({ ok: true, result: { size: 10, contentType: "application/octet-stream", truncated: false } });
    if (done[0]?.ok) expect(done[0].metrics.wallMs).toBeGreaterThanOrEqual(0);
  });

  it("feeds a stored result to a later attempt on the same machine", async () => {
    const source = assignItem("std.constant", [[1, 2, 3]]);
    server.socketOf("machine-a").emit("task:assign", { v: 1, items: [source] });
    await server.waitFor(finishedFor(source.attemptId), "the source");
    const sum = assignItem("std.sum", [], { inputs: [{ kind: "result", taskId: source.taskId, machine: "machine-a" }], extraArgs: [10] });
    server.socketOf("machine-a").emit("task:assign", { v: 1, items: [sum] });
    expect(await server.waitFor(finishedFor(sum.attemptId), "the sum")).toMatchObject({ ok: true, result: { preview: "16" } });
  });

  it("stores a value sent with result:put and acknowledges it", async () => {
    const answer: unknown = await server.socketOf("machine-a").timeout(5_000).emitWithAck("result:put", { v: 1, runId: "run-c", taskId: "given", value: { n: 5 } });
    expect(answer).toEqual({ ok: true, result: { size: 7, contentType: "application/json", preview: "{\"n\":5}", truncated: false, exact: true } });
    const pick = assignItem("std.identity", [], { inputs: [{ kind: "result", taskId: "given", machine: "machine-a", decode: { fn: "std.pick", args: ["n"] } }] });
    server.socketOf("machine-a").emit("task:assign", { v: 1, items: [pick] });
    expect(await server.waitFor(finishedFor(pick.attemptId), "the pick")).toMatchObject({ ok: true, result: { preview: "5" } });
  });

  it("sends a function's log lines in batches of at most 1,000", async () => {
    const spam = assignItem("test.spam", [2_500]);
    const before = server.logBatches.length;
    server.socketOf("machine-a").emit("task:assign", { v: 1, items: [spam] });
    await server.waitFor(finishedFor(spam.attemptId), "the spam attempt");
    const lines = await server.waitFor(() => {
      const mine = server.logs.filter((l) => l.attemptId === spam.attemptId);
      return mine.length === 2_500 ? mine : undefined;
    }, "2,500 log lines");
    expect(lines[0]).toMatchObject({ level: "info", message: "line 0" });
    expect(lines[2_499]?.message).toBe("line 2499");
    const batches = server.logBatches.slice(before);
    expect(Math.max(...batches)).toBeLessThanOrEqual(1_000);
    expect(batches.length).toBeLessThan(100);
  });

  it("keeps each batch under half the server's message limit: 2.4 MB of log lines arrive over the same connection", async () => {
    // One message over the server's limit (socket.io's default 1 MB here) closes the connection and loses the batch.
    const wide = assignItem("test.spam", [300, 8 * 1024]);
    const before = server.logBatches.length;
    const connects = agentLog.filter((line) => line.includes("disconnected")).length;
    server.socketOf("machine-a").emit("task:assign", { v: 1, items: [wide] });
    await server.waitFor(finishedFor(wide.attemptId), "the wide spam attempt");
    const lines = await server.waitFor(() => {
      const mine = server.logs.filter((l) => l.attemptId === wide.attemptId);
      return mine.length === 300 ? mine : undefined;
    }, "300 log lines of 8 KiB");
    expect(lines[299]?.message).toBe(`line 299${"x".repeat(8 * 1024)}`);
    expect(server.logBatches.slice(before).length).toBeGreaterThanOrEqual(5); // 2.4 MB in batches of at most 512 KiB
    expect(agentLog.filter((line) => line.includes("disconnected")).length).toBe(connects);
  });

  it("aborts a stuck attempt on task:abort and keeps working", async () => {
    const stuck = assignItem("test.stuck");
    server.socketOf("machine-a").emit("task:assign", { v: 1, items: [stuck] });
    await server.waitFor(() => server.logs.find((l) => l.attemptId === stuck.attemptId), "the stuck function's first log line");
    server.socketOf("machine-a").emit("task:abort", { v: 1, attemptId: stuck.attemptId, reason: "cancelled" });
    expect(await server.waitFor(finishedFor(stuck.attemptId), "the aborted attempt")).toMatchObject({ ok: false, error: { kind: "cancelled" } });
    const next = assignItem("mjs.triple", [], { inputs: [] , extraArgs: [5] });
    server.socketOf("machine-a").emit("task:assign", { v: 1, items: [next] });
    expect(await server.waitFor(finishedFor(next.attemptId), "the next attempt")).toMatchObject({ ok: true, result: { preview: "15" } });
  });

  it("ignores a malformed assignment, logging the field path, and runs the valid items beside it", async () => {
    const good = assignItem("std.constant", ["ok"]);
    const bad = { ...assignItem("std.constant", [1]), runId: 5 };
    server.socketOf("machine-a").emit("task:assign", { v: 1, items: [bad, good] });
    server.socketOf("machine-a").emit("task:assign", { v: 2, items: "nope" });
    expect(await server.waitFor(finishedFor(good.attemptId), "the good item")).toMatchObject({ ok: true });
    await server.waitFor(() => agentLog.find((line) => line.includes("items[0].runId")), "a log line naming items[0].runId");
    await server.waitFor(() => agentLog.find((line) => line.includes("ignored a malformed task:assign: v:")), "a log line naming v");
    expect(server.finished.find((item) => item.attemptId === bad.attemptId)).toBeUndefined();
  });
});

describe("when a consumer fetches a result through an edge with an encode step", () => {
  it("runs the encode on the holder with (holder, audience) and the decode on the consumer", async () => {
    const consumer = await startAgent(options("machine-b"));
    try {
      await consumer.welcomed;
      const source = assignItem("std.constant", [{ k: 7, big: "x".repeat(1000) }]);
      server.socketOf("machine-a").emit("task:assign", { v: 1, items: [source] });
      await server.waitFor(finishedFor(source.attemptId), "the source on machine-a");
      const grant = signGrant(server.secretOf("machine-a"), {
        runId: "run-c",
        taskId: source.taskId,
        holder: "machine-a",
        audience: "machine-b",
        audienceKey: consumer.publicKey,
        expiresAt: Date.now() + 60_000,
        encode: { fn: "parity.route", args: ["on-holder"] },
      });
      const use = assignItem("std.identity", [], {
        inputs: [{ kind: "result", taskId: source.taskId, machine: "machine-a", decode: { fn: "std.pick", args: ["source"] }, fetch: { url: agent.resultUrl, grant } }],
      });
      const route = assignItem("std.identity", [], {
        inputs: [{ kind: "result", taskId: source.taskId, machine: "machine-a", fetch: { url: agent.resultUrl, grant } }],
      });
      server.socketOf("machine-b").emit("task:assign", { v: 1, items: [use, route] });
      expect(await server.waitFor(finishedFor(use.attemptId), "the consumer")).toMatchObject({ ok: true, result: { preview: '"machine-a"' } });
      const routed = await server.waitFor(finishedFor(route.attemptId), "the routed value");
      expect(routed.ok).toBe(true);
      if (routed.ok) expect(JSON.parse(routed.result.preview)).toMatchObject({ source: "machine-a", target: "machine-b", rest: ["on-holder"], value: { k: 7 } });
    } finally {
      await consumer.stop();
    }
  });

  it("asks the server for a fresh grant when its grant expired while the attempt waited, then fetches", async () => {
    const consumer = await startAgent(options("machine-r"));
    try {
      await consumer.welcomed;
      const source = assignItem("std.constant", ["kept"]);
      server.socketOf("machine-a").emit("task:assign", { v: 1, items: [source] });
      await server.waitFor(finishedFor(source.attemptId), "the source on machine-a");
      server.holderUrls.set("machine-a", agent.resultUrl);
      const expired = signGrant(server.secretOf("machine-a"), {
        runId: "run-c",
        taskId: source.taskId,
        holder: "machine-a",
        audience: "machine-r",
        audienceKey: consumer.publicKey,
        expiresAt: Date.now() - 1,
      });
      const use = assignItem("std.identity", [], { inputs: [{ kind: "result", taskId: source.taskId, machine: "machine-a", fetch: { url: agent.resultUrl, grant: expired } }] });
      server.socketOf("machine-r").emit("task:assign", { v: 1, items: [use] });
      expect(await server.waitFor(finishedFor(use.attemptId), "the consumer")).toMatchObject({ ok: true, result: { preview: '"kept"' } });
      expect(server.refreshed).toContain(expired);
    } finally {
      await consumer.stop();
    }
  }, 90_000);

  it("fails with result_lost when the grant is signed with the wrong secret", async () => {
    const grant = signGrant("not-the-holders-secret-0123456789", { runId: "run-c", taskId: "t1", holder: "machine-a", audience: "machine-a", expiresAt: Date.now() + 60_000 });
    const use = assignItem("std.identity", [], { inputs: [{ kind: "result", taskId: "elsewhere", machine: "machine-z", fetch: { url: agent.resultUrl, grant } }] });
    server.socketOf("machine-a").emit("task:assign", { v: 1, items: [use] });
    const report = await server.waitFor(finishedFor(use.attemptId), "the failed fetch");
    expect(report).toMatchObject({ ok: false, error: { kind: "result_lost" } });
    if (!report.ok) expect(report.error.message).toMatch(/grant is refused \(bad_signature\)/);
  });
});

describe("when the server restarts", () => {
  it("reconnects, says hello again with its running attempts, and delivers reports made meanwhile", async () => {
    const slow = assignItem("std.sleep", [1_500, "slept"]);
    server.socketOf("machine-a").emit("task:assign", { v: 1, items: [slow] });
    const hellosBefore = server.hellos.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    await server.stop();
    await server.start();
    const again = await server.waitFor(() => server.hellos.slice(hellosBefore).find((h) => h.name === "machine-a"), "a second hello");
    expect(again.running).toContain(slow.attemptId);
    expect(await server.waitFor(finishedFor(slow.attemptId), "the slow attempt's report")).toMatchObject({ ok: true, result: { preview: '"slept"' } });
  });
});

describe("when the token is refused", () => {
  it("stops with a clear unauthorized error", async () => {
    const fatal: string[] = [];
    const refused = await startAgent(options("machine-x", { token: "wrong", onFatal: (error) => fatal.push(error.kind) }));
    try {
      await expect(refused.welcomed).rejects.toThrow(/unauthorized/);
      expect(fatal).toEqual(["unauthorized"]);
    } finally {
      await refused.stop();
    }
  });
});
