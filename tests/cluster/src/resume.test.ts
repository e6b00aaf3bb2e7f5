import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "@handoff/cli/testing";
import { openTestDatabase, postgresTestServer, type TestDatabase } from "@handoff/db/testing";
import { dagFile, tempFile, writeFunctionModules } from "./fixtures.ts";

// Issue #5 §4: a server killed mid-run and started again resumes the run from its database; the agents
// reconnect and report what they finished meanwhile; nothing runs twice to completion, nothing is lost,
// and no claim leaks.
const modules = writeFunctionModules();

const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : []);

async function expectNoClaims(stack: Stack): Promise<void> {
  await expect
    .poll(async () => (await stack.client.discoverMachines()).flatMap((machine) => Object.values(machine.claimed)).filter((amount) => amount !== 0), { timeout: 10_000 })
    .toEqual([]);
}

for (const provider of ["sqlite", "postgresql"] as const) {
  describe.skipIf(provider === "postgresql" && postgresTestServer.isSkipped)(`a server restarted mid-run resumes it [${provider}]`, () => {
    let database: TestDatabase;
    let stack: Stack;

    beforeAll(async () => {
      if (provider === "postgresql" && postgresTestServer.problem !== undefined) {
        throw new Error(`HANDOFF_REQUIRE_POSTGRES=1 but PostgreSQL is unreachable: ${postgresTestServer.problem}`);
      }
      database = await openTestDatabase(provider, postgresTestServer.url);
      stack = await startStack({
        databaseUrl: database.url,
        serverEnv: { HANDOFF_RESUME_GRACE_MS: "15000" },
        agents: [
          { name: "one", capacity: { cpu: 2, slots: 2 }, functions: [modules.mjs] },
          { name: "two", capacity: { cpu: 2, slots: 2 }, functions: [modules.mjs] },
        ],
      });
    });

    afterAll(async () => {
      await stack?.stop();
      await database?.dispose();
    });

    it("finishes the run with every task completed once: finished work is kept, work done meanwhile and the running attempt are adopted", async () => {
      const [fileX, fileS, fileY] = [tempFile("x"), tempFile("s"), tempFile("y")];
      const { runId } = await stack.client.startRun(
        dagFile("resumed", [
          { id: "a", fn: "std.constant", extraArgs: [1] },
          { id: "x", fn: "t.counted_inc", args: ["a"], extraArgs: [fileX] },
          { id: "s", fn: "t.slow_inc", args: ["x"], extraArgs: [2500, fileS] },
          { id: "y", fn: "t.counted_inc", args: ["s"], extraArgs: [fileY] },
        ]),
      );
      await expect.poll(() => lines(fileS).length, { timeout: 20_000 }).toBe(1);

      await stack.restartServer();
      // In flight, not interrupted: the run waits for its machines, then goes on.
      expect((await stack.client.getRun(runId)).status).toBe("running");
      const outcome = (await stack.client.watchRun(runId, () => undefined))!;
      expect(outcome.status).toBe("succeeded");

      const run = await stack.client.getRun(runId);
      expect(run.tasks.map((task) => [task.taskId, task.state, task.result?.preview])).toEqual([
        ["a", "succeeded", "1"],
        ["x", "succeeded", "2"],
        ["s", "succeeded", "3"],
        ["y", "succeeded", "4"],
      ]);
      expect(lines(fileX)).toHaveLength(1);
      expect(lines(fileY)).toHaveLength(1);
      // `s` ran exactly once: adopted whether it finished while the server was away (its queued report, or the
      // results its agent re-announces at hello) or was still running when its agent came back.
      expect(lines(fileS)).toEqual(["start one", "done one"]);
      const attempts = await stack.client.trpc.runs.attempts.query({ runId, taskId: "s" });
      expect(attempts.filter((attempt) => attempt.state === "succeeded")).toHaveLength(1);
      for (const attempt of attempts.filter((candidate) => candidate.state !== "succeeded")) expect(attempt.error?.kind).toBe("interrupted");
      expect(attempts.every((attempt) => attempt.state !== "running")).toBe(true);
      await expectNoClaims(stack);
    });

    it("recomputes from lineage the results of a machine that did not come back", async () => {
      // The test before restarted the server: both machines must be back before a task may be pinned to "two".
      await stack.waitForMachines(["one", "two"]);
      const fileX = tempFile("x");
      const { runId } = await stack.client.startRun(
        dagFile("resumed-lost", [
          // first_available starts with the local machine, "one".
          { id: "x", fn: "t.counted_inc", extraArgs: [10, fileX] },
          { id: "gate", fn: "t.slow_inc", extraArgs: [0, 2500, tempFile("gate")], placement: { kind: "pinned", machine: "two" } },
          { id: "y", fn: "t.add", args: ["x", "gate"] },
        ]),
      );
      await expect.poll(async () => (await stack.client.getRun(runId)).tasks.find((task) => task.taskId === "x")?.state, { timeout: 20_000 }).toBe("succeeded");
      expect(lines(fileX)).toEqual(["one"]);

      // The server dies; while it is down, the machine holding x's result dies too.
      await stack.killServer();
      await stack.killAgent("one");
      await stack.restartServer();

      const outcome = (await stack.client.watchRun(runId, () => undefined))!;
      expect(outcome.status).toBe("succeeded");
      expect(lines(fileX)).toEqual(["one", "two"]);
      const run = await stack.client.getRun(runId);
      expect(run.tasks.map((task) => [task.taskId, task.state, task.machine, task.result?.preview])).toEqual([
        ["x", "succeeded", "two", "11"],
        ["gate", "succeeded", "two", "1"],
        ["y", "succeeded", "two", "12"],
      ]);
      await expectNoClaims(stack);

      await stack.startAgent({ name: "one", capacity: { cpu: 2, slots: 2 }, functions: [modules.mjs] });
      await stack.waitForMachines(["one", "two"]);
    });
  });
}
