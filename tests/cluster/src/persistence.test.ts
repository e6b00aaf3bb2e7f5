import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "@handoff/cli/testing";
import { openTestDatabase, postgresTestServer, type TestDatabase } from "@handoff/db/testing";
import { dagFile, writeFunctionModules } from "./fixtures.ts";

const modules = writeFunctionModules();

for (const provider of ["sqlite", "postgresql"] as const) {
  describe.skipIf(provider === "postgresql" && postgresTestServer.isSkipped)(`a server restart keeps everything [${provider}]`, () => {
    let database: TestDatabase;
    let stack: Stack;

    beforeAll(async () => {
      if (provider === "postgresql" && postgresTestServer.problem !== undefined) {
        throw new Error(`HANDOFF_REQUIRE_POSTGRES=1 but PostgreSQL is unreachable: ${postgresTestServer.problem}`);
      }
      database = await openTestDatabase(provider, postgresTestServer.url);
      stack = await startStack({
        databaseUrl: database.url,
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

    it("keeps DAG versions, runs with tasks and attempts, logs, machines and tokens; the run in flight resumes", async () => {
      const file = dagFile("kept", [
        { id: "a", fn: "std.constant", extraArgs: [2] },
        { id: "b", fn: "t.double", args: ["a"] },
      ]);
      expect(await stack.client.trpc.dags.save.mutate({ file })).toEqual({ name: "kept", version: 1 });
      expect(await stack.client.trpc.dags.save.mutate({ file: { ...file, description: "second" } })).toEqual({ name: "kept", version: 2 });
      const done = await stack.client.execute({ name: "kept" });
      expect(done.status).toBe("succeeded");
      const user = await stack.client.trpc.tokens.create.mutate({ name: "ada", kind: "user" });

      const { runId: inFlight } = await stack.client.startRun(dagFile("in-flight", [{ id: "s", fn: "t.slow", extraArgs: [1500, 1] }]));
      await expect.poll(async () => (await stack.client.getRun(inFlight)).tasks[0]?.state, { timeout: 20_000 }).toBe("running");

      await stack.restartServer();

      expect((await stack.client.trpc.dags.versions.query({ name: "kept" })).map((v) => v.version)).toEqual([2, 1]);
      const kept = await stack.client.getRun(done.runId);
      expect(kept).toMatchObject({ status: "succeeded", dagName: "kept", dagVersion: 2, startedBy: "bootstrap admin" });
      expect(kept.tasks.map((task) => [task.taskId, task.state, task.result?.preview])).toEqual([
        ["a", "succeeded", "2"],
        ["b", "succeeded", "4"],
      ]);
      expect(await stack.client.trpc.runs.attempts.query({ runId: done.runId, taskId: "b" })).toHaveLength(1);
      // The run in flight is not lost: it resumes (resume.test.ts covers how) and finishes.
      expect((await stack.client.watchRun(inFlight, () => undefined))?.status).toBe("succeeded");
      const machines = await stack.client.discoverMachines();
      expect(machines.map((machine) => machine.name).sort()).toEqual(["one", "two"]);
      expect((await stack.client.trpc.tokens.list.query()).some((token) => token.id === user.id && token.kind === "user")).toBe(true);
      // The agents reconnect by themselves and the cluster runs again.
      await stack.waitForMachines(["one", "two"]);
      expect((await stack.client.execute({ name: "kept", version: 1 }, { materialize: true })).results).toEqual({ a: 2, b: 4 });
    });
  });
}
