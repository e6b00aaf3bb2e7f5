import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "@handoff/cli/testing";
import { HandoffApiError } from "@handoff/sdk";
import { connectFakeAgent } from "./fake-agent.ts";
import { dagFile, writeFunctionModules } from "./fixtures.ts";

// Issue 10 §3: every limit holds at the boundary — bodies counted on the bytes read, numbers that become
// timers or counts bounded with a named error, very deep values answered instead of overflowing the stack.
const modules = writeFunctionModules();
const MiB = 1024 * 1024;
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ agents: [{ name: "alpha", capacity: { cpu: 2, slots: 2 }, functions: [modules.mjs] }] });
});

afterAll(async () => {
  await stack?.stop();
});

interface Answer {
  status: number;
  body: string;
  /** Bytes we had written when the answer arrived, and in all before the server stopped reading. */
  sentAtAnswer: number;
  sentInAll: number;
}

/** POSTs `total` bytes of a never-ending JSON string in chunked encoding (no Content-Length), as fast as the server reads. */
function postChunked(path: string, total: number): Promise<Answer> {
  return new Promise((resolve) => {
    let sent = 0;
    let sentAtAnswer = -1;
    let status = 0;
    let body = "";
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      resolve({ status, body, sentAtAnswer, sentInAll: sent });
    };
    const outgoing = httpRequest(`${stack.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.adminToken}`, "content-type": "application/json", "transfer-encoding": "chunked" },
    });
    outgoing.on("response", (response) => {
      status = response.statusCode ?? 0;
      sentAtAnswer = sent;
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => setTimeout(finish, 200));
      response.on("error", finish);
    });
    outgoing.on("error", finish);
    outgoing.on("close", () => setTimeout(finish, 200));
    const chunk = Buffer.alloc(64 * 1024, "a");
    const pump = (): void => {
      while (sent < total && !outgoing.destroyed) {
        sent += chunk.byteLength;
        if (!outgoing.write(chunk)) return void outgoing.once("drain", pump);
      }
      if (!outgoing.destroyed) outgoing.end();
    };
    outgoing.write('{"dag":{"file":"');
    pump();
  });
}

async function postJson(path: string, body: string): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${stack.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${stack.adminToken}`, "content-type": "application/json", origin: stack.url }, body });
  return { status: response.status, json: await response.json() };
}

const bigDag = (bytes: number) => dagFile("big", [{ id: "big", fn: "t.where", extraArgs: ["x".repeat(bytes)] }]);

describe("request bodies are counted on the bytes read", () => {
  it("refuses a chunked 100 MB body with tRPC's too_large, without reading it whole", async () => {
    const answer = await postChunked("/api/trpc/runs.start", 100 * MiB);
    console.log(`chunked 100 MB: answered after ${(answer.sentAtAnswer / MiB).toFixed(1)} MiB sent, cut off after ${(answer.sentInAll / MiB).toFixed(1)} MiB`);
    expect(answer.status).toBe(413);
    const parsed = JSON.parse(answer.body) as { error: { data: { code: string; kind: string } } };
    expect(parsed.error.data).toMatchObject({ code: "PAYLOAD_TOO_LARGE", kind: "too_large" });
    // Answered once the limit (16 MiB for a DAG route) was passed, and cut off long before 100 MB.
    expect(answer.sentAtAnswer).toBeLessThan(64 * MiB);
    expect(answer.sentInAll).toBeLessThan(64 * MiB);
  });

  it("accepts a 2 MiB DAG through runs.start (DAG routes take up to 16 MiB)", async () => {
    const { runId } = await stack.client.startRun(bigDag(2 * MiB));
    expect((await stack.client.watchRun(runId, () => undefined))?.status).toBe("succeeded");
  });

  it("holds other tRPC routes to 1 MiB, in tRPC's format", async () => {
    const { status, json } = await postJson("/api/trpc/tokens.create", JSON.stringify({ name: "x".repeat(2 * MiB), kind: "user" }));
    expect(status).toBe(413);
    expect((json as { error: { data: unknown } }).error.data).toMatchObject({ code: "PAYLOAD_TOO_LARGE", kind: "too_large" });
  });

  it("answers an oversize login body with {error: {kind: too_large}}", async () => {
    const { status, json } = await postJson("/api/auth/login", JSON.stringify({ token: "x".repeat(6 * MiB) }));
    expect(status).toBe(413);
    expect(json).toMatchObject({ error: { kind: "too_large" } });
  });
  it("refuses a 17 MiB DAG with PAYLOAD_TOO_LARGE in tRPC's own format, right after the refusals above on the same kept-alive connections", async () => {
    const error = await stack.client.startRun(bigDag(17 * MiB)).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(HandoffApiError);
    expect((error as HandoffApiError).code).toBe("PAYLOAD_TOO_LARGE");
    expect((error as Error).message).not.toContain("Unable to transform");
  });
});

describe("numbers that become timers or counts are bounded at the API", () => {
  const rejected = async (dag: ReturnType<typeof dagFile>, options: Record<string, unknown> = {}): Promise<string> => {
    const error = await stack.client.startRun(dag, options).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(HandoffApiError);
    expect((error as HandoffApiError).code).toBe("BAD_REQUEST");
    return (error as Error).message;
  };

  it.each([
    ["a task timeoutMs of 3e9", { timeoutMs: 3e9 }, /tasks\[0\]\.timeoutMs.*86400000 \(24 h\), got 3000000000/],
    ["a backoff factor of 1e308", { retryBackoff: { initialMs: 10, factor: 1e308 } }, /tasks\[0\]\.retryBackoff\.factor.*≤ 10, got 1e\+308/],
    ["maxRetries of 1e9", { maxRetries: 1e9 }, /tasks\[0\]\.maxRetries.*≤ 100, got 1000000000/],
    ["a cost of 1e308", { cost: { memory: 1e308 } }, /tasks\[0\]\.cost\.memory.*≤ 1e12/],
  ])("refuses %s, naming the field", async (_what, fields, message) => {
    expect(await rejected(dagFile("bounds", [{ id: "t", fn: "t.where", ...fields }]))).toMatch(message);
  });

  it("refuses a run timeout of 30 days (past what setTimeout holds)", async () => {
    expect(await rejected(dagFile("run-bounds", [{ id: "t", fn: "t.where" }]), { timeoutMs: 30 * 86_400_000 })).toMatch(/options\.timeoutMs.*86400000 \(24 h\)/);
  });

  it("refuses a hello announcing a capacity of 1e308, naming the resource", async () => {
    const agent = await connectFakeAgent(stack.url, await stack.joinToken());
    const answer = await agent.hello("huge", { capacity: { memory: 1e308, slots: 1 }, resultUrl: "http://127.0.0.1:9/" });
    try {
      expect(answer.ok).toBe(false);
      expect(answer.error?.message).toMatch(/capacity\.memory: must be a finite number ≥ 0 and ≤ 1e12, got 1e\+308/);
    } finally {
      agent.close();
    }
  });
});

describe("very deep values", () => {
  it("answers extraArgs nested 100,000 levels with invalid_task and the path, not a stack overflow", async () => {
    const nested = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const body = `{"dag":{"file":{"format":"handoff.dag","version":1,"name":"deep","tasks":[{"id":"t","fn":"t.where","extraArgs":[${nested}]}]}}}`;
    const { status, json } = await postJson("/api/trpc/runs.start", body);
    const text = JSON.stringify(json);
    expect(status).toBe(400);
    expect(text).not.toContain("Maximum call stack");
    expect((json as { error: { data: { kind: string } } }).error.data.kind).toBe("invalid_task");
    expect(text).toMatch(/tasks\[0\]\.extraArgs\[0\]\[0\].*nests deeper than 256 levels/);
  });

  it("fails a task whose function returns a value nested 100,000 levels, naming the path", async () => {
    const outcome = await stack.client.execute(dagFile("deep-result", [{ id: "d", fn: "t.deep", extraArgs: [100_000], maxRetries: 0 }]));
    expect(outcome.status).toBe("failed");
    expect(outcome.failures[0]?.message).toMatch(/nests deeper than 256 levels at \[0\]\[0\]/);
    expect(outcome.failures[0]?.message).not.toContain("Maximum call stack");
  });
});
