import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect } from "vitest";
import type { DagFile } from "@handoff/protocol";
import { startReplicas, type Replicas, type ReplicasOptions } from "@handoff/cli/testing";
import { openTestDatabase, postgresTestServer, type TestDatabase } from "@handoff/db/testing";
import { dagFile, tempFile } from "./fixtures.ts";
import { redisTestServer } from "./redis-test-server.ts";

/** The lines a test's functions appended to `file` (none before the first). */
export const linesOf = (file: string): string[] => (existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : []);

/**
 * The replicas tests' run: a constant, `width` sleeps of `sleepMs` after it (each appends its label to `counter` when
 * it finishes), and their sum. `expectRanOnce` checks it afterwards.
 */
export function countedSleeps(name: string, width: number, sleepMs: number): { dag: DagFile; counter: string } {
  const counter = tempFile(name);
  const sleeps = Array.from({ length: width }, (_, i) => ({ id: `s${i}`, fn: "t.counted_sleep", args: ["c0"], extraArgs: [sleepMs, counter, `s${i}`] }));
  const total = { id: "total", fn: "t.add", args: sleeps.map((sleep) => sleep.id) };
  return { dag: dagFile(name, [{ id: "c0", fn: "std.constant", extraArgs: [1] }, ...sleeps, total]), counter };
}

/** A `countedSleeps` run finished once: the right sum, every sleep finished once (one succeeded attempt, none running), no claim left. */
export async function expectRanOnce(replicas: Replicas, runId: string, counter: string, width: number): Promise<void> {
  const run = await replicas.client.getRun(runId);
  expect(run.status).toBe("succeeded");
  expect(run.tasks.find((task) => task.taskId === "total")?.result?.preview).toBe(String(width * 2));
  expect(linesOf(counter).toSorted()).toEqual(Array.from({ length: width }, (_, i) => `s${i}`).toSorted());
  for (const task of run.tasks) expect([task.taskId, task.state]).toEqual([task.taskId, "succeeded"]);
  for (let i = 0; i < width; i++) {
    const attempts = await replicas.client.trpc.runs.attempts.query({ runId, taskId: `s${i}` });
    expect(attempts.filter((attempt) => attempt.state === "succeeded")).toHaveLength(1);
    expect(attempts.filter((attempt) => attempt.state === "running")).toEqual([]);
  }
  await expect
    .poll(async () => (await replicas.client.discoverMachines()).flatMap((machine) => Object.values(machine.claimed)).filter((amount) => amount !== 0), { timeout: 10_000 })
    .toEqual([]);
}

/**
 * A describe block around two server replicas (leader first) on a fresh PostgreSQL database and the test Redis, with
 * `agents` (and `options.servers` servers, default 2; `options.redisUrl` to reach Redis another way, e.g. through a
 * proxy the test can cut); skipped where neither exists (CI requires both). The block reads the running replicas through `replicas()`.
 * @example
 * describeReplicas("when the leader is killed", [{ name: "one", functions: [modules.mjs] }], (replicas) => {
 *   it("…", async () => expect(await replicas().roles()).toEqual(["leader", "standby"]));
 * });
 */
export function describeReplicas(
  title: string,
  agents: ReplicasOptions["agents"],
  body: (replicas: () => Replicas) => void,
  options: { readonly servers?: number; readonly redisUrl?: () => string; readonly serverEnv?: Readonly<Record<string, string>> } = {},
): void {
  describe.skipIf(postgresTestServer.isSkipped || redisTestServer.isSkipped)(title, () => {
    let database: TestDatabase | undefined;
    let replicas: Replicas | undefined;

    beforeAll(async () => {
      if (postgresTestServer.problem !== undefined) throw new Error(`HANDOFF_REQUIRE_POSTGRES=1 but PostgreSQL is unreachable: ${postgresTestServer.problem}`);
      if (redisTestServer.problem !== undefined) throw new Error(`HANDOFF_REQUIRE_POSTGRES=1 but Redis at ${redisTestServer.url} is unreachable: ${redisTestServer.problem}`);
      database = await openTestDatabase("postgresql", postgresTestServer.url);
      replicas = await startReplicas({
        databaseUrl: database.url,
        redisUrl: options.redisUrl?.() ?? redisTestServer.url,
        ...(options.servers === undefined ? {} : { servers: options.servers }),
        serverEnv: { HANDOFF_RESUME_GRACE_MS: "20000", HANDOFF_NO_MACHINE_GRACE_MS: "60000", ...options.serverEnv },
        ...(agents === undefined ? {} : { agents }),
        verbose: process.env["HANDOFF_TEST_VERBOSE"] === "1",
      });
    }, 180_000);

    afterAll(async () => {
      await replicas?.stop();
      await database?.dispose();
    }, 60_000);

    body(() => {
      if (replicas === undefined) throw new Error("the replicas did not start (see beforeAll)");
      return replicas;
    });
  });
}
