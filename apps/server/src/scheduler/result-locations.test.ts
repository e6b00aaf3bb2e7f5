import { openTestDatabase, type TestDatabase } from "@handoff/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../log.ts";
import { FakeClock } from "./fake-clock.ts";
import { newMachine } from "./live-machine.ts";
import { createInMemoryResultLocations, type ResultRef } from "./result-locations.ts";

let fixture: TestDatabase;
beforeAll(async () => {
  fixture = await openTestDatabase("sqlite");
}, 60_000);
afterAll(() => fixture?.dispose());

const ref = (machine: string, fields: Partial<ResultRef> = {}): ResultRef => ({ machine, size: 2, contentType: "application/json", preview: "42", truncated: false, ...fields });

/** A wait arms its timer once the database has answered that the result is not there yet. */
async function armed(clock: FakeClock): Promise<void> {
  for (let turns = 0; clock.pending() === 0; turns += 1) {
    if (turns > 10_000) throw new Error("the wait never armed its timer");
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function locations(): { results: ReturnType<typeof createInMemoryResultLocations>; clock: FakeClock } {
  const clock = new FakeClock(1_000);
  return { results: createInMemoryResultLocations({ db: fixture.db, log: createLogger("silent"), timers: clock }), clock };
}

describe("when the server records where results live", () => {
  it("answers a registered result at once and wakes a waiter when the result arrives", async () => {
    const { results, clock } = locations();
    results.register("r1", "a", ref("m1"));
    expect(await results.lookup("r1", "a")).toEqual(ref("m1"));
    const waiting = results.waitFor("r1", "b", 10_000);
    await armed(clock);
    results.register("r1", "b", ref("m2"));
    expect(await waiting).toEqual(ref("m2"));
    expect(clock.pending()).toBe(0);
  });

  it("gives up on a wait after its timeout, driven by the clock", async () => {
    const { results, clock } = locations();
    const waiting = results.waitFor("r-none", "a", 5_000);
    await armed(clock);
    clock.advance(4_999);
    expect(clock.pending()).toBe(1);
    clock.advance(1);
    expect(await waiting).toBeUndefined();
    expect(await results.waitFor("r-none", "a", 0)).toBeUndefined();
  });

  it("reads a result the database recorded when memory has none", async () => {
    const { db } = fixture;
    const run = await db.runs.create({ dagId: null, dagVersion: null, spec: {}, options: {}, status: "running", startedBy: null, tasks: [{ taskId: "a", state: "waiting_for_dependencies" }] });
    await db.runs.applyChanges({ tasks: [{ runId: run.id, taskId: "a", state: "succeeded", attempts: 1, resultMachine: "m3", resultSize: 7, resultPreview: "\"x\"" }] });
    const { results } = locations();
    expect(await results.lookup(run.id, "a")).toMatchObject({ machine: "m3", size: 7, preview: "\"x\"" });
  });

  it("marks a result evicted only on the machine that holds it", async () => {
    const { results } = locations();
    results.register("r2", "a", ref("m1"));
    expect(results.markEvicted("r2", "a", "m2", "retention")).toBe(false);
    expect(results.markEvicted("r2", "a", "m1", "disk_budget")).toBe(true);
    expect(await results.lookup("r2", "a")).toMatchObject({ machine: "m1", evicted: "disk_budget" });
  });

  it("loses the results recorded under an older store when the machine comes back with a new one", async () => {
    const { results } = locations();
    results.register("r3", "a", ref("m1", { storeId: "store-old-1" }));
    results.register("r3", "b", ref("m2", { storeId: "store-old-2" }));
    const machine = newMachine("m1", { cpu: 1 }, "online");
    machine.storeId = "store-old-1";
    const recorded: string[] = [];
    results.reconcileStore(machine, "store-new-1", 5_000, { recordLost: (lost) => recorded.push(lost.currentStoreId), previousProcessLost: (lost) => recorded.push(`previous:${lost.name}`) });
    expect(await results.lookup("r3", "a")).toMatchObject({ lost: { at: 5_000, machine: "m1" } });
    expect(await results.lookup("r3", "b")).not.toHaveProperty("lost");
    expect(recorded).toEqual(["previous:m1", "store-new-1"]);
    expect(machine.storeId).toBe("store-new-1");
  });
});
