import SwaggerParser from "@apidevtools/swagger-parser";
import type { OpenAPIV3_1 } from "openapi-types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "@handoff/cli/testing";
import { dagFile, tempFile, writeFunctionModules } from "./fixtures.ts";

// Issue 17 §4: the procedures as REST, described by an OpenAPI document, through the real server.
const modules = writeFunctionModules();
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ agents: [{ name: "alpha", capacity: { cpu: 2, slots: 2 }, functions: [modules.mjs] }] });
});
afterAll(async () => {
  await stack?.stop();
});

const bearer = () => ({ authorization: `Bearer ${stack.adminToken}` });

/** The answers these tests read, one shape for all (a cast: the assertions check the values). */
interface Answer {
  readonly runId: string;
  readonly finished: boolean;
  readonly run: { readonly runId: string; readonly status: string; readonly outcome: { readonly results: Record<string, unknown> } };
  readonly items: readonly { readonly runId: string }[];
  readonly error: { readonly kind: string; readonly message: string; readonly details: { readonly issues: readonly { readonly path: string }[] } };
}

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = bearer()): Promise<{ status: number; json: Answer; headers: Headers }> {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: (text === "" ? undefined : JSON.parse(text)) as Answer, headers: response.headers };
}

async function fetchDocument(): Promise<OpenAPIV3_1.Document> {
  const { status, json } = await call("GET", "/api/openapi.json");
  expect(status).toBe(200);
  return json as unknown as OpenAPIV3_1.Document;
}

type Operation = { path: string; method: string; operation: OpenAPIV3_1.OperationObject };
function operationsOf(document: OpenAPIV3_1.Document): Operation[] {
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item ?? {})
      .filter(([method]) => ["get", "post", "put", "delete"].includes(method))
      .map(([method, operation]) => ({ path, method, operation: operation as OpenAPIV3_1.OperationObject })),
  );
}

describe("the OpenAPI document", () => {
  it("validates as OpenAPI 3.1 and describes every operation's answer with a schema", async () => {
    const document = await fetchDocument();
    await SwaggerParser.validate(structuredClone(document) as never);
    const operations = operationsOf(document);
    expect(operations.length).toBeGreaterThan(30);
    const missing = operations.filter(({ operation }) => {
      const ok = operation.responses?.["200"] as OpenAPIV3_1.ResponseObject | undefined;
      const schema = ok?.content?.["application/json"]?.schema;
      return schema === undefined || Object.keys(schema).length === 0;
    });
    // The raw download answers bytes or any JSON value: the one operation without a JSON schema.
    expect(missing.map((m) => m.operation.operationId)).toEqual(["results.download"]);
    const ids = operations.map((o) => o.operation.operationId);
    for (const id of ["runs.start", "runs.wait", "runs.get", "results.value", "dags.check", "machines.list"]) expect(ids).toContain(id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("is refused without a token, and so is every operation (health answers)", async () => {
    expect((await call("GET", "/healthz", undefined, {})).status).toBe(200);
    expect((await call("GET", "/api/openapi.json", undefined, {})).status).toBe(401);
    const document = await fetchDocument();
    for (const { path, method } of operationsOf(document)) {
      const concrete = path.replace(/\{[^}]+\}/g, "x");
      const answer = await call(method.toUpperCase(), concrete, method === "get" || method === "delete" ? undefined : {}, {});
      expect({ path, method, status: answer.status, kind: answer.json?.error?.kind as string | undefined }).toEqual({ path, method, status: 401, kind: "unauthorized" });
    }
    const wrong = await call("GET", "/api/runs", undefined, { authorization: "Bearer hf_user_not_a_token" });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.kind).toBe("unauthorized");
  });

  it("has a docs page on this origin that runs no script", async () => {
    const anonymous = await fetch(`${stack.url}/api/docs`, { redirect: "manual" });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("location")).toBe("/login?next=%2Fapi%2Fdocs");
    const page = await fetch(`${stack.url}/api/docs`, { headers: bearer() });
    expect(page.status).toBe(200);
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("script-src");
    const html = await page.text();
    expect(html).toContain("/api/runs/{runId}/wait");
    expect(html).not.toMatch(/<script|https?:\/\/(?!127\.0\.0\.1)/);
  });
});

describe("REST calls", () => {
  it("start a run and wait for its result", async () => {
    const file = dagFile("rest-sum", [
      { id: "a", fn: "std.constant", extraArgs: [20] },
      { id: "b", fn: "t.add", args: ["a"], extraArgs: [22] },
    ]);
    const started = await call("POST", "/api/runs", { dag: { file } });
    expect(started.status).toBe(200);
    const runId = started.json.runId;
    const waited = await call("GET", `/api/runs/${encodeURIComponent(runId)}/wait?timeoutMs=60000`);
    expect(waited.status).toBe(200);
    expect(waited.json.finished).toBe(true);
    expect(waited.json.run).toMatchObject({ runId, status: "succeeded", taskCounts: { succeeded: 2 } });
    expect(waited.json.run.outcome.results.b).toMatchObject({ machine: "alpha", preview: "42" });
    const value = await call("GET", `/api/results/${runId}/b/value`);
    expect(value.json).toMatchObject({ value: 42, machine: "alpha" });
    const listed = await call("GET", "/api/runs?limit=5&status=succeeded");
    expect(listed.json.items.map((r) => r.runId)).toContain(runId);
  });

  it("answers a wait that times out with the run still going, then cancels it", async () => {
    const started = await call("POST", "/api/runs", { dag: { file: dagFile("rest-hang", [{ id: "h", fn: "t.hang", extraArgs: [tempFile("rest-hang")] }]) } });
    const runId = started.json.runId;
    const waited = await call("GET", `/api/runs/${runId}/wait?timeoutMs=300`);
    expect(waited.json.finished).toBe(false);
    expect(["queued", "running"]).toContain(waited.json.run.status);
    expect((await call("POST", `/api/runs/${runId}/cancel`)).json).toEqual({ ok: true, alreadyFinished: false });
    const ended = await call("GET", `/api/runs/${runId}/wait?timeoutMs=60000`);
    expect(ended.json).toMatchObject({ finished: true, run: { status: "cancelled" } });
  });

  it("refuses bad input with 400 naming the field, and changes nothing", async () => {
    const before = (await call("GET", "/api/runs?limit=200")).json.items.length;
    const bad = await call("POST", "/api/runs", { dag: { file: dagFile("rest-bad", [{ id: "a", fn: "std.constant", timeoutMs: -5 }]) } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.kind).toBe("invalid_task");
    expect(bad.json.error.message).toContain("dag.file.tasks[0].timeoutMs");
    expect(bad.json.error.details.issues[0]?.path).toBe("dag.file.tasks[0].timeoutMs");
    expect((await call("GET", "/api/runs?limit=200")).json.items.length).toBe(before);

    const query = await call("GET", "/api/runs?limit=lots");
    expect(query.status).toBe(400);
    expect(query.json.error).toMatchObject({ kind: "invalid_request" });
    expect(query.json.error.message).toMatch(/^limit: /);
    const tooLong = await call("GET", "/api/runs/x/wait?timeoutMs=86400000");
    expect(tooLong.status).toBe(400);
    expect(tooLong.json.error.message).toMatch(/^timeoutMs: /);
    const notJson = await call("POST", "/api/runs", "{ nope");
    expect(notJson.status).toBe(400);
    expect(notJson.json.error.message).toMatch(/not JSON/);
    const unknown = await call("GET", "/api/runs/no-such-run");
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.kind).toBe("not_found");
  });

  it("bounds bodies like the other routes and names the methods a path answers", async () => {
    const big = await call("POST", "/api/tokens", { name: "x".repeat(2 * 1024 * 1024), kind: "user" });
    expect(big.status).toBe(413);
    expect(big.json.error.kind).toBe("too_large");
    // A DAG file may be bigger than other bodies (HANDOFF_MAX_DAG_BYTES), as on /api/trpc.
    const bigDag = await call("POST", "/api/runs", { dag: { file: dagFile("rest-big", [{ id: "a", fn: "std.constant", extraArgs: ["y".repeat(1536 * 1024)] }]) } });
    expect(bigDag.status).toBe(200);
    expect((await call("GET", `/api/runs/${bigDag.json.runId}/wait?timeoutMs=60000`)).json.run.status).toBe("succeeded");
    const wrongMethod = await call("PUT", "/api/runs");
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.json.error.kind).toBe("invalid_request");
    expect(wrongMethod.headers.get("allow")).toBe("GET, POST");
  });
});
