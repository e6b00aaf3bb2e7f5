import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, until, type Stack } from "@handoff/cli/testing";
import { openTestDatabase, type TestDatabase } from "@handoff/db/testing";
import { Dag, edge, param, paramRef } from "@handoff/sdk";

// `handoff schedules …` and `handoff webhooks …` as a user types them, against a real server, agent and SQLite; the
// webhook is called with the shell recipe `webhooks add` prints (openssl + curl), exactly as printed.

const handoffBin = fileURLToPath(new URL("../../../apps/cli/bin/handoff.mjs", import.meta.url));
const run = promisify(execFile);

/** n (integer) and label (string): sum = n + 10 + n. */
const sized = new Dag("cli-triggered", { params: { n: { type: "integer", minimum: 1, default: 2 }, label: { type: "string" } } })
  .addTask({ id: "base", fn: "std.constant", extraArgs: [{ list: [paramRef("n"), 10], label: paramRef("label") }] })
  .addTask({ id: "sum", fn: "std.sum", args: [edge("base", { decode: { fn: "std.pick", args: ["list"] } }), param("n")] })
  .toJSON();

describe("schedules and webhooks from the command line", () => {
  let database: TestDatabase;
  let stack: Stack;

  /** The CLI's exit code and output; it never blocks this process (the stack's client keeps its connections). */
  async function handoff(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env = { ...process.env, HANDOFF_TOKEN: stack.adminToken, HANDOFF_URL: stack.url };
    return run(process.execPath, [handoffBin, ...args], { env, encoding: "utf8", timeout: 60_000 }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? "", stderr: error.stderr ?? "" }),
    );
  }

  beforeAll(async () => {
    database = await openTestDatabase("sqlite");
    stack = await startStack({
      databaseUrl: database.url,
      agents: [{ name: "alpha", capacity: { slots: 2 } }],
      serverEnv: { HANDOFF_SCHEDULE_POLL_MS: "300", HANDOFF_SECRETS_KEY: randomBytes(32).toString("hex") },
    });
    await stack.client.trpc.dags.save.mutate({ file: sized });
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
    await database?.dispose();
  });

  it("adds a schedule whose runs get the --params as the DAG types them, changes it, lists it, shows its history", async () => {
    const refused = await handoff("schedules", "add", "cli-triggered", "--cron", "* * * * * *", "--param", "n=three");
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain("--param n=three: n is a number (integer)");
    const badZone = await handoff("schedules", "add", "cli-triggered", "--cron", "* * * * * *", "--tz", "Mars/Olympus");
    expect(badZone.code).not.toBe(0);
    expect(badZone.stderr).toMatch(/timeZone: .*Mars\/Olympus/);
    expect(await stack.client.trpc.schedules.list.query({ dag: "cli-triggered" })).toEqual([]);

    const added = await handoff("schedules", "add", "cli-triggered", "--cron", "* * * * * *", "--param", "n=3", "--param", "label=cron", "--catch-up", "none");
    expect(added.stderr).toBe("");
    expect(added.code, added.stderr).toBe(0);
    const id = /created schedule (\S+) of cli-triggered/.exec(added.stdout)?.[1];
    expect(id, added.stdout).toBeDefined();
    expect(added.stdout).toContain(`params {"n":3,"label":"cron"}; catch-up none`);

    const firing = await until("a firing that started a run", async () => (await stack.client.trpc.schedules.history.query({ id: id! })).find((f) => f.runId !== null));
    expect((await stack.client.watchRun(firing.runId!, () => undefined))?.status).toBe("succeeded");
    expect(await stack.client.getValue(firing.runId!, "sum")).toBe(3 + 10 + 3);

    const set = await handoff("schedules", "set", id!, "--disable", "--param", "n=5", "--param", "label=again", "--max-active", "2");
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain(`updated schedule ${id} of cli-triggered`);
    expect(set.stdout).toContain("disabled");
    expect(await stack.client.trpc.schedules.get.query({ id: id! })).toMatchObject({ enabled: false, params: { n: 5, label: "again" }, maxActiveRuns: 2 });
    // --param gives the whole set of params: one left out that the DAG requires is named, and nothing changes.
    const partial = await handoff("schedules", "set", id!, "--param", "n=6");
    expect(partial.code).toBe(1);
    expect(partial.stderr).toMatch(/param "label": required/);
    expect((await stack.client.trpc.schedules.get.query({ id: id! })).params).toEqual({ n: 5, label: "again" });

    const listed = await handoff("schedules", "list", "cli-triggered");
    expect(listed.stdout).toMatch(new RegExp(`${id}\\s+\\* \\* \\* \\* \\* \\*\\s+UTC\\s+disabled\\s+none\\s+2`));
    const history = await handoff("schedules", "history", id!, "--limit", "500");
    expect(history.stdout).toContain(firing.runId!);
    const latest = await handoff("schedules", "history", id!, "--limit", "2");
    expect(latest.stdout.trim().split("\n")).toHaveLength(2 + 2); // the header, its rule, two firings

    expect((await handoff("schedules", "delete", id!)).code).toBe(0);
    const gone = await handoff("schedules", "history", id!);
    expect(gone.code).not.toBe(0);
    // One line naming the refusal, not tRPC's error object and its stack (as the first version printed).
    expect(gone.stderr.trim()).toBe(`not_found: no schedule "${id}"`);
  }, 240_000);

  it("adds a signed webhook whose printed recipe starts a run; disabled, its URL answers 404", async () => {
    const added = await handoff("webhooks", "add", "cli-triggered", "ci");
    expect(added.code).toBe(0);
    const id = /created webhook (\S+) \(ci\)/.exec(added.stdout)?.[1];
    const key = /hmac key\s+([0-9a-f]{64})/.exec(added.stdout)?.[1];
    const recipe = added.stdout.split("\n").filter((line) => /^\s+(body=|curl )/.test(line)).map((line) => line.trim());
    expect([id, key, recipe.length], added.stdout).toEqual([expect.any(String), expect.any(String), 2]);

    // The recipe as printed, with a body that sets the params and curl's status code written out.
    const script = [recipe[0]!.replace("body='{}'", `body='{"n":4,"label":"hook"}'`), `${recipe[1]!.replace("curl ", "curl -s -o /dev/null -w '%{http_code}' ")}`].join("\n");
    const called = await run("bash", ["-c", script], { env: { ...process.env, KEY: key! }, encoding: "utf8" });
    expect(called.stdout).toBe("202");
    const delivery = await until("the delivery's run", async () => (await stack.client.trpc.webhooks.history.query({ id: id! })).find((d) => d.runId !== null));
    expect((await stack.client.watchRun(delivery.runId!, () => undefined))?.status).toBe("succeeded");
    expect(await stack.client.getValue(delivery.runId!, "sum")).toBe(4 + 10 + 4);

    // A wrong key is refused, and the history says so.
    const forged = await run("bash", ["-c", script], { env: { ...process.env, KEY: "0".repeat(64) }, encoding: "utf8" });
    expect(forged.stdout).toBe("401");
    expect((await handoff("webhooks", "history", id!)).stdout).toMatch(/401\s+refused/);

    const listed = await handoff("webhooks", "list", "cli-triggered");
    expect(listed.stdout).toMatch(new RegExp(`${id}\\s+ci\\s+yes\\s+yes`));
    expect(listed.stdout).not.toContain(key!);

    expect((await handoff("webhooks", "disable", id!)).stdout).toContain("disabled: its URL answers 404");
    expect((await run("bash", ["-c", script], { env: { ...process.env, KEY: key! }, encoding: "utf8" })).stdout).toBe("404");
    expect((await handoff("webhooks", "delete", id!)).code).toBe(0);
    expect(await stack.client.trpc.webhooks.list.query({ dag: "cli-triggered" })).toEqual([]);
  }, 240_000);
});
