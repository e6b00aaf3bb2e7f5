import { createHmac, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "@handoff/sdk";
import { startStack, until, type Stack } from "@handoff/cli/testing";
import { openTestDatabase, postgresTestServer, type TestDatabase } from "@handoff/db/testing";
import { Dag, edge, param, paramRef } from "@handoff/sdk";
import type { DagFile } from "@handoff/protocol";

// Schedules and webhooks through the real stack: server processes, an agent process, SQLite and PostgreSQL.

/** n (integer ≥ 1, default 2) and label (string, required): sum = n + 10 + n, label echoed. */
function sized(name: string): DagFile {
  return new Dag(name, { params: { n: { type: "integer", minimum: 1, default: 2 }, label: { type: "string" } } })
    .addTask({ id: "base", fn: "std.constant", extraArgs: [{ list: [paramRef("n"), 10], label: paramRef("label") }] })
    .addTask({ id: "sum", fn: "std.sum", args: [edge("base", { decode: { fn: "std.pick", args: ["list"] } }), param("n")] })
    .toJSON();
}

const sign = (key: string, body: string) => `sha256=${createHmac("sha256", key).update(body).digest("hex")}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// Every server of a test shares one secrets key, as servers sharing a database must (webhook keys are sealed with it).
const secretsKey = randomBytes(32).toString("hex");
const serverEnv = { HANDOFF_SCHEDULE_POLL_MS: "300", HANDOFF_SECRETS_KEY: secretsKey };


/**
 * A disabled schedule's firings, oldest first, once the pass in flight has recorded them: the count is stable over two
 * reads and at most `pending` (a kill's) are still pending.
 */
async function settledFirings(stack: Stack, id: string, pending: number) {
  let seen = -1;
  return until("the firings to settle", async () => {
    const now = await stack.client.trpc.schedules.history.query({ id, limit: 500 });
    const settled = now.length === seen && now.filter((firing) => firing.outcome === "pending").length <= pending;
    seen = now.length;
    if (settled) return now.reverse();
    await sleep(500);
    return undefined;
  });
}

for (const provider of ["sqlite", "postgresql"] as const) {
  describe.skipIf(provider === "postgresql" && postgresTestServer.isSkipped)(`schedules and webhooks [${provider}]`, () => {
    let database: TestDatabase;
    let stack: Stack;

    beforeAll(async () => {
      if (provider === "postgresql" && postgresTestServer.problem !== undefined) throw new Error(`HANDOFF_REQUIRE_POSTGRES=1 but PostgreSQL is unreachable: ${postgresTestServer.problem}`);
      database = await openTestDatabase(provider, postgresTestServer.url);
      stack = await startStack({ databaseUrl: database.url, agents: [{ name: "alpha", capacity: { slots: 4 } }], serverEnv });
    }, 120_000);

    afterAll(async () => {
      await stack?.stop();
      await database?.dispose();
    });

    const runsOf = async (dagName: string) => (await stack.client.listRuns({ limit: 200 })).items.filter((run) => run.dagName === dagName);

    it("a signed webhook starts a run with the body as its params; a bad signature or a bad body starts nothing, named", async () => {
      await stack.client.trpc.dags.save.mutate({ file: sized("hooked") });
      const hook = await stack.client.trpc.webhooks.create.mutate({ dag: "hooked", name: "ci" });
      expect(hook.signed).toBe(true);
      expect(hook.url).toMatch(new RegExp(`^${stack.url}/hooks/[A-Za-z0-9_-]{43}$`));
      const post = (body: string, headers: Record<string, string> = {}) => fetch(hook.url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });

      const body = JSON.stringify({ n: 3, label: "from a hook" });
      const started = await post(body, { "X-Handoff-Signature": sign(hook.hmacKey!, body) });
      expect(started.status).toBe(202);
      const { runId } = (await started.json()) as { runId: string };
      expect((await stack.client.watchRun(runId, () => undefined))?.status).toBe("succeeded");
      expect(await stack.client.getValue(runId, "sum")).toBe(3 + 10 + 3);
      const view = await stack.client.getRun(runId);
      expect(view).toMatchObject({ reason: "webhook", triggerId: hook.id, params: { n: 3, label: "from a hook" } });

      const before = (await runsOf("hooked")).length;
      const unsigned = await post(body);
      expect(unsigned.status).toBe(401);
      expect(((await unsigned.json()) as { error: { message: string } }).error.message).toMatch(/X-Handoff-Signature header is missing/);
      const forged = await post(JSON.stringify({ n: 4, label: "forged" }), { "X-Handoff-Signature": sign(hook.hmacKey!, body) });
      expect(forged.status).toBe(401);
      const wrongKey = await post(body, { "X-Handoff-Signature": sign("not the key", body) });
      expect(wrongKey.status).toBe(401);

      const bad = JSON.stringify({ n: 0, extra: true });
      const refused = await post(bad, { "X-Handoff-Signature": sign(hook.hmacKey!, bad) });
      expect(refused.status).toBe(400);
      const error = ((await refused.json()) as { error: { kind: string; message: string } }).error;
      expect(error.kind).toBe("invalid_request");
      expect(error.message).toMatch(/param "extra": not declared/);
      expect(error.message).toMatch(/param "n"/);
      expect(error.message).toMatch(/param "label": required/);
      const notJson = "{n: 1";
      expect((await post(notJson, { "X-Handoff-Signature": sign(hook.hmacKey!, notJson) })).status).toBe(400);
      const array = "[1]";
      expect((await post(array, { "X-Handoff-Signature": sign(hook.hmacKey!, array) })).status).toBe(400);
      const huge = JSON.stringify({ label: "x".repeat(300 * 1024) });
      expect((await post(huge, { "X-Handoff-Signature": sign(hook.hmacKey!, huge) })).status).toBe(413);
      expect(await runsOf("hooked")).toHaveLength(before);

      // An unknown token finds nothing; GET is not a delivery.
      expect((await fetch(`${stack.url}/hooks/${"A".repeat(43)}`, { method: "POST", body: "{}" })).status).toBe(404);
      expect((await fetch(hook.url)).status).toBe(400);

      const history = await stack.client.trpc.webhooks.history.query({ id: hook.id });
      expect(history[history.length - 1]).toMatchObject({ status: 202, outcome: "started", runId });
      expect(history.filter((delivery) => delivery.outcome === "refused").map((delivery) => delivery.status).sort()).toEqual([400, 400, 400, 401, 401, 401, 413]);
      // The token is never shown again.
      expect(JSON.stringify(await stack.client.trpc.webhooks.list.query({ dag: "hooked" }))).not.toContain(hook.url.split("/hooks/")[1]);
    }, 120_000);

    it("an unsigned webhook takes any body; a disabled one answers 404", async () => {
      await stack.client.trpc.dags.save.mutate({ file: sized("open-hook") });
      const hook = await stack.client.trpc.webhooks.create.mutate({ dag: "open-hook", name: "open", signed: false });
      expect(hook.hmacKey).toBeNull();
      const started = await fetch(hook.url, { method: "POST", body: JSON.stringify({ label: "plain" }) });
      expect(started.status).toBe(202);
      await stack.client.trpc.webhooks.update.mutate({ id: hook.id, enabled: false });
      expect((await fetch(hook.url, { method: "POST", body: JSON.stringify({ label: "plain" }) })).status).toBe(404);
    }, 60_000);

    it("refuses a schedule by field (cron, time zone, params), and only admins change schedules", async () => {
      await stack.client.trpc.dags.save.mutate({ file: sized("checked") });
      await expect(stack.client.trpc.schedules.create.mutate({ dag: "checked", cron: "61 * * * *", params: { label: "x" } })).rejects.toThrow(/cron: .*minute: 61/);
      await expect(stack.client.trpc.schedules.create.mutate({ dag: "checked", cron: "* * * * *", timeZone: "Mars/Olympus", params: { label: "x" } })).rejects.toThrow(/timeZone: "Mars\/Olympus" is not an IANA time zone/);
      await expect(stack.client.trpc.schedules.create.mutate({ dag: "checked", cron: "* * * * *" })).rejects.toThrow(/param "label": required/);
      const { token } = await stack.client.trpc.tokens.create.mutate({ name: "someone", kind: "user" });
      const user = createClient({ url: stack.url, token });
      await expect(user.trpc.schedules.create.mutate({ dag: "checked", cron: "* * * * *", params: { label: "x" } })).rejects.toThrow(/admin/);
      await expect(user.trpc.webhooks.create.mutate({ dag: "checked", name: "x" })).rejects.toThrow(/admin/);
      expect(await user.trpc.schedules.list.query({ dag: "checked" })).toEqual([]);
    }, 60_000);

    it("fires every second once across a server kill and restart: nothing doubled, the missed seconds caught up", async () => {
      await stack.client.trpc.dags.save.mutate({ file: sized("ticking") });
      const schedule = await stack.client.trpc.schedules.create.mutate({ dag: "ticking", cron: "* * * * * *", params: { label: "tick" }, catchUp: "all", catchUpLimit: 100, maxActiveRuns: 100 });
      expect(schedule.nextAt).not.toBeNull();
      await until("three firings", async () => ((await stack.client.trpc.schedules.history.query({ id: schedule.id })).length >= 3 ? true : undefined));
      await stack.killServer();
      await sleep(2_000);
      await stack.restartServer();
      const afterRestart = Date.now();
      // The restarted server catches up the missed seconds (oldest first), then fires on time again.
      await until("an on-time firing after the restart", async () => {
        const firings = await stack.client.trpc.schedules.history.query({ id: schedule.id, limit: 500 });
        return firings.some((firing) => Date.parse(firing.scheduledAt) > afterRestart + 1_500 && firing.outcome === "started") ? true : undefined;
      });
      await stack.client.trpc.schedules.update.mutate({ id: schedule.id, enabled: false });
      const firings = await settledFirings(stack, schedule.id, 1);
      const seconds = firings.map((firing) => Date.parse(firing.scheduledAt));
      console.log(`restart: ${firings.length} firings, ${JSON.stringify(firings.filter((firing) => firing.outcome !== "started"))}`);
      // One firing per second from the first to the last: none missed (catch-up "all"), none twice (the unique key).
      expect(new Set(seconds).size).toBe(seconds.length);
      expect(seconds[seconds.length - 1]! - seconds[0]!).toBe((seconds.length - 1) * 1000);
      expect(firings.length).toBeGreaterThan(6);
      // A kill between a firing's insert and its settling leaves it pending, never doubled.
      const started = firings.filter((firing) => firing.outcome === "started");
      const pending = firings.filter((firing) => firing.outcome === "pending");
      expect(pending.length).toBeLessThanOrEqual(1);
      expect(started.length + pending.length).toBe(firings.length);
      const runs = (await runsOf("ticking")).filter((run) => run.status !== "rejected");
      expect(new Set(started.map((firing) => firing.runId)).size).toBe(started.length);
      expect(runs.length).toBeGreaterThanOrEqual(started.length);
      expect(runs.length).toBeLessThanOrEqual(started.length + pending.length);
      const one = await stack.client.getRun(started[0]!.runId!);
      expect(one).toMatchObject({ reason: "schedule", triggerId: schedule.id, params: { n: 2, label: "tick" } });
    }, 180_000);

    it("skips a firing while maxActiveRuns runs of the schedule are active, saying why", async () => {
      const slow = new Dag("slow-ticking").addTask({ id: "wait", fn: "std.sleep", extraArgs: [4_000] }).toJSON();
      await stack.client.trpc.dags.save.mutate({ file: slow });
      const schedule = await stack.client.trpc.schedules.create.mutate({ dag: "slow-ticking", cron: "* * * * * *", catchUp: "none", maxActiveRuns: 1 });
      const skipped = await until("a skipped firing", async () => (await stack.client.trpc.schedules.history.query({ id: schedule.id })).find((firing) => firing.outcome === "skipped"));
      expect(skipped.reason).toBe("1 run is still active (maxActiveRuns 1)");
      await stack.client.trpc.schedules.delete.mutate({ id: schedule.id });
      expect(await stack.client.trpc.schedules.list.query({ dag: "slow-ticking" })).toEqual([]);
    }, 60_000);
  });
}

describe.skipIf(postgresTestServer.isSkipped)("two servers on one PostgreSQL database", () => {
  let database: TestDatabase;
  let first: Stack;
  let second: Stack;

  beforeAll(async () => {
    if (postgresTestServer.problem !== undefined) throw new Error(`HANDOFF_REQUIRE_POSTGRES=1 but PostgreSQL is unreachable: ${postgresTestServer.problem}`);
    database = await openTestDatabase("postgresql", postgresTestServer.url);
    first = await startStack({ databaseUrl: database.url, agents: [{ name: "east", capacity: { slots: 4 } }], serverEnv });
    second = await startStack({ databaseUrl: database.url, agents: [{ name: "west", capacity: { slots: 4 } }], serverEnv, adminTokenFrom: first.dataDir });
  }, 180_000);

  afterAll(async () => {
    await second?.stop();
    await first?.stop();
    await database?.dispose();
  });

  it("never double a firing: each second fires once, whichever server claims it", async () => {
    await first.client.trpc.dags.save.mutate({ file: sized("shared") });
    const schedule = await first.client.trpc.schedules.create.mutate({ dag: "shared", cron: "* * * * * *", params: { label: "both" }, catchUp: "none", maxActiveRuns: 100 });
    await until("eight firings", async () => ((await first.client.trpc.schedules.history.query({ id: schedule.id })).length >= 8 ? true : undefined));
    await first.client.trpc.schedules.update.mutate({ id: schedule.id, enabled: false });
    const firings = await settledFirings(first, schedule.id, 0);
    const seconds = firings.map((firing) => firing.scheduledAt);
    console.log(`two servers, not started: ${JSON.stringify(firings.filter((firing) => firing.outcome !== "started"))}`);
    expect(new Set(seconds).size).toBe(seconds.length);
    expect(firings.every((firing) => firing.outcome === "started")).toBe(true);
    const runs = (await first.client.listRuns({ limit: 200 })).items.filter((run) => run.dagName === "shared");
    expect(runs).toHaveLength(firings.length);
    // Which server started each run shows in its machine (a server dispatches to its own agent).
    const tally = (values: readonly string[]) => JSON.stringify(values.reduce<Record<string, number>>((count, value) => ({ ...count, [value]: (count[value] ?? 0) + 1 }), {}));
    const machines = await Promise.all(runs.map(async (run) => (await first.client.getRun(run.runId)).tasks.find((task) => task.taskId === "sum")?.machine ?? "none yet"));
    console.log(`two servers: ${firings.length} firings; runs ${tally(runs.map((run) => run.status))} on ${tally(machines)}`);
  }, 120_000);
});
