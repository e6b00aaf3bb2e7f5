import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "@handoff/cli/testing";
import { connectFakeAgent, succeedEveryAssignment, type FakeAgent } from "./fake-agent.ts";
import { dagFile, writeFunctionModules } from "./fixtures.ts";

// Issue 10 §2: the dashboard's origin serves nothing an agent chose, and every response carries the
// security headers. The attacker is a machine holding a join token whose result server answers HTML.
const modules = writeFunctionModules();
const PAGE = "<html><script>fetch('/api/trpc/tokens.create')</script></html>";
let stack: Stack;
let evil: Server;
let mallory: FakeAgent;

beforeAll(async () => {
  stack = await startStack({ agents: [{ name: "alpha", capacity: { cpu: 2, slots: 2 }, functions: [modules.mjs] }] });
  evil = createServer((request, response) => {
    // The holder picks its own headers: HTML, and for one task no Content-Length at all (chunked).
    const chunked = request.url?.includes("/chunked") ?? false;
    response.writeHead(200, {
      "Content-Type": "text/html",
      "X-Handoff-Content-Type": "text/html",
      "Content-Disposition": "inline",
      "Set-Cookie": "handoff_session=stolen; Path=/",
      ...(chunked ? {} : { "Content-Length": String(Buffer.byteLength(PAGE)) }),
    });
    response.end(PAGE);
  });
  await new Promise<void>((resolve) => evil.listen(0, "127.0.0.1", resolve));
  const port = (evil.address() as AddressInfo).port;
  mallory = await connectFakeAgent(stack.url, await stack.joinToken());
  const answer = await mallory.hello("mallory", {
    capacity: { slots: 4 },
    functions: [{ name: "evil.page", namespace: "evil", inputs: { kind: "variadic" }, codeHash: "evil" }],
    resultUrl: `http://127.0.0.1:${port}/`,
  });
  expect(answer.ok).toBe(true);
  succeedEveryAssignment(mallory.socket, () => ({ size: Buffer.byteLength(PAGE), contentType: "application/json", preview: '"page"', truncated: false }));
});

afterAll(async () => {
  mallory?.close();
  evil?.close();
  await stack?.stop();
});

const auth = () => ({ authorization: `Bearer ${stack.adminToken}` });

function expectSecurityHeaders(headers: Headers): void {
  expect(headers.get("x-content-type-options")).toBe("nosniff");
  expect(headers.get("referrer-policy")).toBe("same-origin");
  expect(headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
}

describe("when an agent serves text/html through the result relay", () => {
  it("relays the bytes as a download of a JSON or binary value, never as a page", async () => {
    const outcome = await stack.client.execute(
      dagFile("evil", [
        { id: "page", fn: "evil.page", placement: { kind: "pinned", machine: "mallory" } },
        { id: "chunked", fn: "evil.page", placement: { kind: "pinned", machine: "mallory" } },
      ]),
    );
    expect(outcome.status).toBe("succeeded");
    for (const task of ["page", "chunked"]) {
      // undici refuses an empty Content-Length header (HPE_INVALID_CONTENT_LENGTH): this fetch must just work.
      const response = await fetch(`${stack.url}/api/results/${outcome.runId}/${task}`, { headers: auth() });
      expect(response.status).toBe(200);
      expect(["application/json", "application/octet-stream"]).toContain(response.headers.get("content-type"));
      expect(response.headers.get("content-disposition")).toBe(`attachment; filename="${task}.json"`);
      expect(response.headers.get("set-cookie")).toBeNull();
      expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
      expectSecurityHeaders(response.headers);
      expect(await response.text()).toBe(PAGE);
    }
  });

  it("still hands the SDK real values from an honest agent", async () => {
    const outcome = await stack.client.execute(dagFile("honest", [{ id: "w", fn: "t.where", extraArgs: [1] }]));
    expect(outcome.status).toBe("succeeded");
    expect(await stack.client.getValue(outcome.runId, "w")).toEqual({ machine: "alpha", args: [1] });
    const response = await fetch(`${stack.url}/api/results/${outcome.runId}/w`, { headers: auth() });
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("x-handoff-encoding")).toBe("json");
  });

  it("names the file after a sanitized task id", async () => {
    const outcome = await stack.client.execute(dagFile("names", [{ id: 'we"ird/..\\name\r\n', fn: "evil.page", placement: { kind: "pinned", machine: "mallory" } }]));
    const response = await fetch(`${stack.url}/api/results/${outcome.runId}/${encodeURIComponent('we"ird/..\\name\r\n')}`, { headers: auth() });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="we_ird_.._name__.json"');
  });
});

describe("every response of the origin", () => {
  it.each([
    ["GET", "/healthz"],
    ["GET", "/api/nothing-here"],
    ["GET", "/api/trpc/machines.list"],
    ["GET", "/login"],
    ["GET", "/runs"],
    ["POST", "/api/auth/logout"],
  ])("%s %s carries CSP, frame-ancestors 'none', nosniff and Referrer-Policy", async (method, path) => {
    const response = await fetch(`${stack.url}${path}`, { method, headers: auth(), redirect: "manual" });
    expectSecurityHeaders(response.headers);
    await response.arrayBuffer();
  });

  it("answers a page without a session with the headers too (the redirect to sign in)", async () => {
    const response = await fetch(`${stack.url}/runs`, { redirect: "manual" });
    expect(response.status).toBe(302);
    expectSecurityHeaders(response.headers);
  });
});

describe("when the API stores a value on a machine (result:put)", () => {
  it("keeps it on a real agent and records where it lives", async () => {
    const ref = await stack.client.storeResult("stored-run", "kept", { n: 42 }, { machine: "alpha" });
    expect(ref).toMatchObject({ machine: "alpha", contentType: "application/json", preview: '{"n":42}' });
    expect(await stack.client.lookupDataLocation("stored-run", "kept")).toBe("alpha");
  });

  it("refuses a malformed reply from the agent with an error naming the machine and the field, and records nothing", async () => {
    mallory.socket.once("result:put", (_payload: unknown, ack: (reply: unknown) => void) => ack({ ok: true, result: { size: "huge" } }));
    await expect(stack.client.storeResult("stored-run", "bad", { n: 1 }, { machine: "mallory" })).rejects.toThrow(
      /"mallory" gave a bad answer: the reply to result:put is malformed: result\.size: expected number/,
    );
    expect(await stack.client.lookupDataLocation("stored-run", "bad")).toBeNull();
  });
});
