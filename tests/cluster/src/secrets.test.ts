import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "@handoff/cli/testing";
import { openTestDatabase, postgresTestServer, type TestDatabase } from "@handoff/db/testing";
import { createClient, HandoffApiError } from "@handoff/sdk";
import { connectFakeAgent } from "./fake-agent.ts";
import { dagFile, tempFile } from "./fixtures.ts";

/** Functions that use a secret: one hashes it into a file, one logs it and returns it, one throws it in its message. */
function secretFunctions(): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "handoff-secret-fns-")), "secret-functions.mjs");
  writeFileSync(
    file,
    `import { writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { defineFunction } from "@handoff/sdk";

const sha = (text) => createHash("sha256").update(text).digest("hex");
export const use = defineFunction({
  name: "s.use",
  run: (file, cred) => {
    writeFileSync(file, sha(cred.password));
    console.log("connecting as " + cred.user + " with " + cred.password);
    return { user: cred.user, echoed: cred.password };
  },
});
export const config = defineFunction({ name: "s.config", run: (password) => ({ dsn: "pg://u:" + password + "@db" }) });
export const measure = defineFunction({ name: "s.measure", run: (config, file) => { writeFileSync(file, sha(config.dsn)); return config.dsn.length; } });
export const fail = defineFunction({ name: "s.fail", run: (password) => { throw new Error("login refused for password " + password); } });
`,
  );
  return file;
}

const cliMain = fileURLToPath(new URL("../../../apps/cli/src/main.ts", import.meta.url));
const tsx = createRequire(import.meta.url).resolve("tsx");

/** `handoff secrets …` as a user types it, the value on stdin. */
function cli(stack: Stack, args: readonly string[], input?: string, token = stack.adminToken) {
  return spawnSync(process.execPath, ["--import", tsx, cliMain, "secrets", ...args, "--server", stack.url], {
    input: input ?? "",
    encoding: "utf8",
    env: { ...process.env, HANDOFF_TOKEN: token },
  });
}

/** Every row of every table, as text (PostgreSQL), or the SQLite file and its WAL as bytes. */
async function databaseText(database: TestDatabase, provider: "sqlite" | "postgresql"): Promise<string> {
  if (provider === "sqlite") {
    const file = database.url.replace(/^file:/, "");
    return [file, `${file}-wal`].filter((name) => existsSync(name)).map((name) => readFileSync(name).toString("latin1")).join("\n");
  }
  const client = database.db.client as unknown as { $queryRawUnsafe<T>(query: string): Promise<T> };
  const tables = await client.$queryRawUnsafe<{ table_name: string }[]>("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()");
  const dumps = await Promise.all(tables.map(({ table_name: table }) => client.$queryRawUnsafe<{ row: string }[]>(`SELECT row_to_json(t)::text AS row FROM "${table}" t`)));
  return dumps.flat().map((row) => row.row).join("\n");
}

for (const provider of ["sqlite", "postgresql"] as const) {
  describe.skipIf(provider === "postgresql" && postgresTestServer.isSkipped)(`named secrets [${provider}]`, () => {
    // A value nobody could guess, and one with characters JSON escapes.
    const value = `pw-${randomBytes(12).toString("hex")}-"q"`;
    const functions = secretFunctions();
    let database: TestDatabase;
    let stack: Stack;
    let serverOutput = "";
    let agentOutput = "";

    beforeAll(async () => {
      database = await openTestDatabase(provider, postgresTestServer.url);
      stack = await startStack({ databaseUrl: database.url, serverEnv: { HANDOFF_LOG_LEVEL: "debug" }, serverOutput: (chunk) => (serverOutput += chunk) });
      await stack.launchAgent({ name: "worker", capacity: { slots: 2 }, functions: [functions] }, { output: (chunk) => (agentOutput += chunk) });
      await stack.waitForMachines(["worker"]);
      const set = cli(stack, ["set", "warehouse"], `${value}\n`);
      expect(set.stderr).toBe("");
      expect(set.stdout).toContain("created secret warehouse");
    }, 180_000);

    afterAll(async () => {
      await stack?.stop();
      await database?.dispose();
    });

    it("gives the function the real value and shows it nowhere: API, logs, previews, errors, database, processes' output", async () => {
      const hashFile = tempFile("secret-hash");
      const inlineHashFile = tempFile("secret-inline-hash");
      const dag = dagFile("uses-secrets", [
        { id: "use", fn: "s.use", extraArgs: [hashFile, { user: "etl", password: { secret: "warehouse" } }] },
        { id: "config", fn: "s.config", type: "inline", extraArgs: [{ secret: "warehouse" }] },
        { id: "measure", fn: "s.measure", args: ["config"], extraArgs: [inlineHashFile] },
        { id: "fail", fn: "s.fail", extraArgs: [{ secret: "warehouse" }], maxRetries: 0 },
      ]);
      // (Polls with retries: a kept-alive connection idle past the server's timeout during the CLI call may be gone.)
      await stack.waitForMachines(["worker"]);
      const outcome = await stack.client.execute(dag, { onFailure: "continue" });
      const sha = (text: string): string => createHash("sha256").update(text).digest("hex");
      expect(readFileSync(hashFile, "utf8")).toBe(sha(value));
      expect(readFileSync(inlineHashFile, "utf8")).toBe(sha(`pg://u:${value}@db`));
      expect(outcome.status).toBe("failed");
      const runId = outcome.runId;

      const run = await stack.client.getRun(runId);
      const trpc = stack.client.trpc;
      const logs = await trpc.runs.logs.query({ runId });
      const answers = JSON.stringify([
        outcome,
        run,
        logs,
        await trpc.runs.timeline.query({ runId }),
        await trpc.runs.attempts.query({ runId, taskId: "fail" }),
        await trpc.runs.attempts.query({ runId, taskId: "use" }),
        await trpc.runs.list.query({}),
        await trpc.dags.check.query({ file: dag }),
        await trpc.secrets.list.query(),
        await trpc.audit.list.query({ limit: 200 }),
      ]);
      const escaped = JSON.stringify(value).slice(1, -1);
      expect(answers).not.toContain(escaped);
      expect(answers).not.toContain(value);
      // What the function printed and threw arrives redacted, so the trail still says what happened.
      expect(logs.logs.map((log) => log.message)).toContain("connecting as etl with [secret]");
      expect(JSON.stringify(run)).toContain("login refused for password [secret]");
      expect(JSON.stringify(run)).toContain("[secret]"); // the preview of `use`'s result
      // Used and created, audited by name.
      const audit = await trpc.audit.list.query({ kinds: ["secret.used", "secret.created"], limit: 50 });
      expect(audit.events.filter((event) => event.kind === "secret.used").map((event) => event.details["taskId"]).sort()).toEqual(["fail", "measure", "use"]);
      expect(audit.events.some((event) => event.kind === "secret.created" && event.details["name"] === "warehouse")).toBe(true);

      // The stored value can come back only as the function's own result (its author chose to return it).
      const stored = await databaseText(database, provider);
      expect(stored.length).toBeGreaterThan(0);
      expect(stored).toContain("warehouse");
      expect(stored).not.toContain(value);
      expect(stored).not.toContain(escaped);
      expect(serverOutput.length).toBeGreaterThan(0);
      expect(serverOutput).not.toContain(escaped);
      expect(agentOutput).not.toContain(escaped);
    }, 120_000);

    it("refuses a reference to an unknown secret before anything runs, naming the task and the field", async () => {
      const dag = dagFile("unknown-secret", [{ id: "load", fn: "s.fail", extraArgs: [{ secret: "nope" }] }]);
      const error = await stack.client.startRun(dag).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(HandoffApiError);
      expect((error as HandoffApiError).problems).toEqual([expect.objectContaining({ kind: "invalid_task", taskId: "load", field: "extraArgs[0]" })]);
      expect((error as HandoffApiError).message).toContain('unknown secret "nope"');
      expect((await stack.client.listRuns({ limit: 100 })).items.filter((item) => item.dagName === "unknown-secret")).toEqual([]);
      // The editor's check says the same.
      const checked = await stack.client.trpc.dags.check.query({ file: dag });
      expect(checked.problems.map((problem) => ("field" in problem ? problem.field : undefined))).toEqual(["extraArgs[0]"]);
    });

    it("answers an agent only for an attempt it runs now, and only the secrets that attempt's task refers to", async () => {
      const mallory = await connectFakeAgent(stack.url, await stack.joinToken());
      try {
        expect((await mallory.hello("mallory", { functions: [{ name: "evil.hold", namespace: "evil", inputs: { kind: "variadic" }, codeHash: "evil" }] })).ok).toBe(true);
        const resolve = async (attemptId: string): Promise<{ ok: boolean; values?: unknown; error?: { kind: string; message: string } }> =>
          (await mallory.socket.timeout(10_000).emitWithAck("secret:resolve", { v: 1, attemptId, names: ["warehouse"] })) as never;
        const madeUp = await resolve("some-run/use#1");
        expect(madeUp).toEqual({ ok: false, error: { kind: "forbidden", message: 'secret:resolve: attempt some-run/use#1 is not running on "mallory"' } });
        const assigned = new Promise<string>((resolveAttempt) => mallory.socket.once("task:assign", (payload: { items: { attemptId: string }[] }) => resolveAttempt(payload.items[0]!.attemptId)));
        const { runId } = await stack.client.startRun(dagFile("hold", [{ id: "hold", fn: "evil.hold", placement: { kind: "pinned", machine: "mallory" } }]));
        const own = await resolve(await assigned);
        expect(own).toEqual({ ok: false, error: { kind: "forbidden", message: 'secret:resolve: task "hold" does not refer to "warehouse"' } });
        expect(JSON.stringify([madeUp, own])).not.toContain(value);
        await stack.client.trpc.runs.cancel.mutate({ runId });
      } finally {
        mallory.close();
      }
    });

    it("lets only admin tokens manage secrets, and takes no value from the command line", async () => {
      const user = await stack.client.trpc.tokens.create.mutate({ name: "alice", kind: "user" });
      const asUser = createClient({ url: stack.url, token: user.token });
      for (const call of [() => asUser.trpc.secrets.list.query(), () => asUser.trpc.secrets.set.mutate({ name: "warehouse", value: "stolen" }), () => asUser.trpc.secrets.delete.mutate({ name: "warehouse" })]) {
        const refused = await call().then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect(String(refused)).toMatch(/admin token/);
      }
      const denied = cli(stack, ["set", "warehouse"], "stolen\n", user.token);
      expect(denied.status).toBe(1);
      expect(denied.stderr).toContain("forbidden");
      const onCommandLine = cli(stack, ["set", "warehouse", "hunter2"]);
      expect(onCommandLine.status).toBe(2);
      expect(onCommandLine.stderr).toContain("never taken from the command line");
      const looseFile = path.join(mkdtempSync(path.join(tmpdir(), "handoff-secret-file-")), "value");
      writeFileSync(looseFile, "hunter2", { mode: 0o644 });
      const fromLooseFile = cli(stack, ["set", "other", "--from-file", looseFile]);
      expect(fromLooseFile.status).toBe(2);
      expect(fromLooseFile.stderr).toContain("chmod 600");
      // The value is unchanged: the run still sees the admin's.
      const list = await stack.client.trpc.secrets.list.query();
      expect(list.map((secret) => secret.name)).toEqual(["warehouse"]);
      expect(list[0]!.updatedBy).not.toBe("alice");
    });
  });
}

describe("the server's secrets key file", () => {
  it("stops the start when the group or others may read it", () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "handoff-loose-key-"));
    writeFileSync(path.join(dataDir, "secrets.key"), `${"ab".repeat(32)}\n`, { mode: 0o644 });
    const started = spawnSync(process.execPath, ["--import", tsx, cliMain, "start", "--no-agent", "--no-web", "--port", "0", "--data-dir", dataDir], {
      encoding: "utf8",
      timeout: 60_000,
      env: Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("HANDOFF_SECRETS_"))),
    });
    expect(started.status).toBe(2);
    expect(started.stderr).toContain(`the secrets key ${path.join(dataDir, "secrets.key")} has mode 644`);
    expect(started.stderr).toContain("chmod 600");
  }, 90_000);
});
