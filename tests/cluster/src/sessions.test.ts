import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "@handoff/cli/testing";
import { createClient } from "@handoff/sdk";
import { dagFile, writeFunctionModules } from "./fixtures.ts";

// Issue #10 §4 and §7: dashboard sessions, login from this origin only, one-time sign-in codes,
// throttled failures, subscriptions that end with their credential, token expiry, the audit trail.
const modules = writeFunctionModules();
const FAILURE_LIMIT = 20;
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    localMachine: "alpha",
    // One proxy hop is trusted, so tests can speak from distinct client addresses (X-Forwarded-For).
    serverEnv: { HANDOFF_TRUST_PROXY: "1", HANDOFF_AUTH_FAILURES_PER_MINUTE: String(FAILURE_LIMIT) },
    agents: [{ name: "alpha", capacity: { cpu: 4, slots: 4 }, functions: [modules.mjs] }],
  });
});

afterAll(async () => {
  await stack?.stop();
});

type Headers = Record<string, string>;

function login(body: unknown, headers: Headers = {}): Promise<Response> {
  return fetch(`${stack.url}/api/auth/login`, {
    method: "POST",
    headers: { origin: stack.url, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
    redirect: "manual",
  });
}

function logout(cookie: string, headers: Headers = {}): Promise<Response> {
  return fetch(`${stack.url}/api/auth/logout`, { method: "POST", headers: { origin: stack.url, cookie, ...headers } });
}

/** The `handoff_session=…` pair a response set, for a `cookie` header. */
function cookieOf(response: Response): string {
  const header = response.headers.get("set-cookie") ?? "";
  const pair = header.split(";")[0] ?? "";
  expect(pair).toMatch(/^handoff_session=.+/);
  return pair;
}

async function me(headers: Headers): Promise<{ status: number; name?: string }> {
  const response = await fetch(`${stack.url}/api/trpc/auth.me`, { headers });
  const body = (await response.json().catch(() => null)) as { result?: { data?: { name?: string } } } | null;
  return { status: response.status, ...(body?.result?.data?.name ? { name: body.result.data.name } : {}) };
}

async function signInAsAdmin(headers: Headers = {}): Promise<string> {
  const response = await login({ token: stack.adminToken }, headers);
  expect(response.status).toBe(204);
  return cookieOf(response);
}

async function newToken(name: string, kind: "admin" | "user" | "join" = "user"): Promise<{ id: string; token: string }> {
  return stack.client.trpc.tokens.create.mutate({ name, kind });
}

describe("when someone signs in to the dashboard", () => {
  it("refuses a cross-site login POST (text/plain, evil origin) and leaves the existing session alone", async () => {
    const admin = await signInAsAdmin();
    const other = await newToken("attacker's user");
    const crossSite = await login(JSON.stringify({ token: other.token }), { origin: "http://evil.example", "content-type": "text/plain", cookie: admin });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers.get("set-cookie")).toBeNull();
    const noOrigin = await fetch(`${stack.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json", cookie: admin }, body: JSON.stringify({ token: other.token }) });
    expect(noOrigin.status).toBe(403);
    expect(noOrigin.headers.get("set-cookie")).toBeNull();
    expect(await me({ cookie: admin })).toEqual({ status: 200, name: "bootstrap admin" });
  });

  it("does nothing with /login?token= (no token travels in a URL)", async () => {
    const response = await fetch(`${stack.url}/login?token=${encodeURIComponent(stack.adminToken)}`, { redirect: "manual" });
    expect(response.headers.get("set-cookie")).toBeNull();
  });

  it("sets a cookie that is not the token, is HttpOnly and SameSite=Lax, and is not usable as a bearer token", async () => {
    const response = await login({ token: stack.adminToken });
    const header = response.headers.get("set-cookie") ?? "";
    expect(header).toMatch(/HttpOnly/);
    expect(header).toMatch(/SameSite=Lax/);
    expect(header).toMatch(/Path=\//);
    const secret = decodeURIComponent(cookieOf(response).slice("handoff_session=".length));
    expect(secret).not.toContain(stack.adminToken);
    expect((await me({ authorization: `Bearer ${secret}` })).status).toBe(401);
    // The old cookie (the raw token) no longer signs anyone in either.
    expect((await me({ cookie: `handoff_session=${encodeURIComponent(stack.adminToken)}` })).status).toBe(401);
  });

  it("ends the session at logout: the same cookie is refused afterwards", async () => {
    const cookie = await signInAsAdmin();
    expect((await me({ cookie })).status).toBe(200);
    const response = await logout(cookie);
    expect(response.status).toBe(204);
    expect(response.headers.get("set-cookie")).toMatch(/Max-Age=0/);
    expect((await me({ cookie })).status).toBe(401);
  });

  it("ends the sessions of a token when the token is revoked", async () => {
    const user = await newToken("revoked with its session");
    const response = await login({ token: user.token });
    const cookie = cookieOf(response);
    expect(await me({ cookie })).toEqual({ status: 200, name: "revoked with its session" });
    await stack.client.trpc.tokens.revoke.mutate({ id: user.id });
    expect((await me({ cookie })).status).toBe(401);
  });

  it("keeps a session across a server restart", async () => {
    const cookie = await signInAsAdmin();
    await stack.restartServer();
    await stack.waitForMachines(["alpha"]);
    expect(await me({ cookie })).toEqual({ status: 200, name: "bootstrap admin" });
  });

  it("signs in once with a one-time code, then never again", async () => {
    const link = await stack.client.trpc.auth.signInLink.mutate();
    const code = new URL(link.url).searchParams.get("code");
    expect(link.url.startsWith(`${stack.url}/login?code=`)).toBe(true);
    const first = await login({ code });
    expect(first.status).toBe(204);
    expect(await me({ cookie: cookieOf(first) })).toEqual({ status: 200, name: "bootstrap admin" });
    const second = await login({ code });
    expect(second.status).toBe(401);
    expect(second.headers.get("set-cookie")).toBeNull();
    // A code is not a credential for the API.
    expect((await me({ authorization: `Bearer ${code}` })).status).toBe(401);
  });
});

describe("when authentication keeps failing from one address", () => {
  it("answers 429 with Retry-After after the limit, while a valid token from the same address still works", async () => {
    const from = { "x-forwarded-for": "203.0.113.7" };
    const statuses: number[] = [];
    for (let i = 0; i < FAILURE_LIMIT + 2; i++) statuses.push((await me({ ...from, authorization: `Bearer hf_user_wrong${i}` })).status);
    expect(statuses.slice(0, FAILURE_LIMIT).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(FAILURE_LIMIT)).toEqual([429, 429]);
    const throttled = await fetch(`${stack.url}/api/trpc/auth.me`, { headers: { ...from, authorization: "Bearer hf_user_wrong" } });
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get("retry-after"))).toBeGreaterThan(0);
    const failedLogin = await login({ token: "hf_admin_wrong" }, from);
    expect(failedLogin.status).toBe(429);
    expect(Number(failedLogin.headers.get("retry-after"))).toBeGreaterThan(0);
    // Valid credentials are never blocked, by token or by session.
    expect(await me({ ...from, authorization: `Bearer ${stack.adminToken}` })).toEqual({ status: 200, name: "bootstrap admin" });
    expect((await login({ token: stack.adminToken }, from)).status).toBe(204);
    // Another address is not throttled.
    expect((await me({ "x-forwarded-for": "203.0.113.8", authorization: "Bearer hf_user_wrong" })).status).toBe(401);
  });
});

describe("when the credential behind a live subscription is revoked", () => {
  it("ends an open runs.watch of a revoked token", async () => {
    const user = await newToken("watcher");
    const watcher = createClient({ url: stack.url, token: user.token });
    const { runId } = await stack.client.startRun(dagFile("watched", [{ id: "wait", fn: "t.slow", extraArgs: [60_000, 1] }]));
    const events: string[] = [];
    let ended: unknown;
    const subscription = watcher.trpc.runs.watch.subscribe(
      { runId },
      { onData: (event) => events.push(event.data.type), onError: (error) => (ended = error), onComplete: () => (ended = "complete") },
    );
    try {
      await expect.poll(() => events.length, { timeout: 30_000 }).toBeGreaterThan(0);
      await stack.client.trpc.tokens.revoke.mutate({ id: user.id });
      await expect.poll(() => ended, { timeout: 30_000 }).toBeDefined();
      expect((ended as { data?: { code?: string } }).data?.code).toBe("UNAUTHORIZED");
    } finally {
      subscription.unsubscribe();
      await stack.client.cancelRun(runId).catch(() => undefined);
    }
  });

  it("ends an open runs.watch (raw SSE) of a session at logout", async () => {
    const cookie = await signInAsAdmin();
    const { runId } = await stack.client.startRun(dagFile("watched-by-session", [{ id: "wait", fn: "t.slow", extraArgs: [60_000, 2] }]));
    const response = await fetch(`${stack.url}/api/trpc/runs.watch?input=${encodeURIComponent(JSON.stringify({ runId }))}`, { headers: { cookie, accept: "text/event-stream" } });
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = "";
    const closed = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        text += Buffer.from(value).toString("utf8");
      }
    })();
    await expect.poll(() => text.includes("snapshot"), { timeout: 30_000 }).toBe(true);
    await logout(cookie);
    await closed;
    expect(text).toMatch(/event: serialized-error/);
    expect(text).toMatch(/UNAUTHORIZED/);
    await stack.client.cancelRun(runId).catch(() => undefined);
  });
});

describe("when tokens carry an expiry", () => {
  it("bounds expiresInHours and reports the expiry", async () => {
    const created = await stack.client.trpc.tokens.create.mutate({ name: "expiring", kind: "join", expiresInHours: 24 });
    expect(created.expiresAt).not.toBeNull();
    const listed = (await stack.client.trpc.tokens.list.query()).find((token) => token.id === created.id);
    expect(listed?.expiresAt).toBe(created.expiresAt);
    await expect(stack.client.trpc.tokens.create.mutate({ name: "zero", kind: "join", expiresInHours: 0 })).rejects.toThrow(/expiresInHours/);
    await expect(stack.client.trpc.tokens.create.mutate({ name: "forever", kind: "join", expiresInHours: 1e9 })).rejects.toThrow(/expiresInHours/);
  });
});

describe("when admins act", () => {
  it("records who did what, when and from where, newest first, and lists it for admins only", async () => {
    const from = { "x-forwarded-for": "198.51.100.4" };
    const cookie = await signInAsAdmin(from);
    const headers = { ...from, cookie, "content-type": "application/json" };
    const call = (procedure: string, input: unknown) => fetch(`${stack.url}/api/trpc/${procedure}`, { method: "POST", headers, body: JSON.stringify(input) });
    const created = (await (await call("tokens.create", { name: "audited", kind: "user" })).json()) as { result: { data: { id: string; token: string } } };
    expect((await call("tokens.revoke", { id: created.result.data.id })).status).toBe(200);
    expect((await call("machines.drain", { name: "alpha" })).status).toBe(200);
    expect((await call("machines.undrain", { name: "alpha" })).status).toBe(200);
    expect((await logout(cookie, from)).status).toBe(204);
    await me({ ...from, authorization: "Bearer hf_user_not_a_token" });

    // Audit writes do not hold up the answer: wait until the last one has landed.
    const mineNow = async () => (await stack.client.trpc.audit.list.query({ limit: 50 })).events.filter((event) => event.ip === "198.51.100.4");
    await expect.poll(async () => (await mineNow()).length, { timeout: 10_000 }).toBe(7);
    const mine = await mineNow();
    expect(mine.map((event) => event.kind)).toEqual(["auth.failed", "auth.signed_out", "machine.undrained", "machine.drained", "token.revoked", "token.created", "auth.signed_in"]);
    for (const event of mine.filter((event) => event.kind !== "auth.failed")) {
      expect(event).toMatchObject({ actorName: "bootstrap admin" });
      expect(Date.parse(event.at)).not.toBeNaN();
    }
    expect(mine.find((event) => event.kind === "token.created")?.details).toMatchObject({ name: "audited", kind: "user" });
    expect(mine.find((event) => event.kind === "machine.drained")?.details).toEqual({ machine: "alpha" });
    const onlyDrains = await stack.client.trpc.audit.list.query({ limit: 50, kinds: ["machine.drained"] });
    expect(onlyDrains.events.every((event) => event.kind === "machine.drained")).toBe(true);
    const user = await newToken("not an admin");
    await expect(createClient({ url: stack.url, token: user.token }).trpc.audit.list.query({ limit: 5 })).rejects.toThrow(/admin/);
  });
});
