import { openTestDatabase, type TestDatabase } from "@handoff/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../log.ts";
import { helloFrom, RecordingLink } from "./engine.test-support.ts";
import { FakeClock } from "./fake-clock.ts";
import { InMemoryMachineRegistry, type MachineEvent } from "./machine-registry.ts";

let fixture: TestDatabase;
beforeAll(async () => {
  fixture = await openTestDatabase("sqlite");
}, 60_000);
afterAll(() => fixture?.dispose());

const connection = { hasJoinToken: true, address: "10.0.0.7", resultPort: 7411 };

function registry(): { registry: InMemoryMachineRegistry; clock: FakeClock; events: MachineEvent[] } {
  const clock = new FakeClock(1_700_000_000_000);
  const events: MachineEvent[] = [];
  const created = new InMemoryMachineRegistry({
    db: fixture.db,
    log: createLogger("silent"),
    clock,
    timers: clock,
    heartbeatMs: 1000,
    machineTimeoutMs: 5000,
    claimedOf: () => ({ slots: 1 }),
    writeFailed: (error) => expect.fail(String(error)),
  });
  created.onEvent((event) => events.push(event));
  return { registry: created, clock, events };
}

describe("when agents connect to the machine registry", () => {
  it("binds a new identity with a join token, brings the machine online at its socket's address, and stores it", async () => {
    const { registry: machines, events } = registry();
    const link = new RecordingLink();
    const admitted = await machines.connect(helloFrom("reg-a"), link, connection);
    expect(admitted).toMatchObject({ ok: true, machine: { name: "reg-a", status: "online", publicKey: "key-reg-a", resultUrl: "http://10.0.0.7:7411" } });
    expect(events).toEqual([]); // announcing is the caller's, after it has dealt with the hello
    expect(machines.linked("reg-a", link)?.name).toBe("reg-a");
    expect(machines.linked("reg-a", new RecordingLink())).toBeUndefined();
    expect((await fixture.db.machines.list()).find((record) => record.name === "reg-a")).toMatchObject({ status: "online", publicKey: "key-reg-a" });
  });

  it("refuses an unknown machine without a join token, and another key for a bound name, changing nothing", async () => {
    const { registry: machines } = registry();
    await machines.start();
    expect(await machines.connect(helloFrom("reg-new"), new RecordingLink(), { ...connection, hasJoinToken: false })).toMatchObject({ ok: false, kind: "unauthorized" });
    const other = helloFrom("reg-a", { identity: { publicKey: "key-other", signature: "x" } });
    expect(await machines.connect(other, new RecordingLink(), connection)).toMatchObject({ ok: false, kind: "forbidden" });
    expect(machines.machines.has("reg-new")).toBe(false);
    machines.stop();
  });

  it("takes the machine offline when its socket closes, naming the attempts lost with it, and ignores an old socket", async () => {
    const { registry: machines, events } = registry();
    const link = new RecordingLink();
    const admitted = await machines.connect(helloFrom("reg-b"), link, connection);
    if (!admitted.ok) return expect.fail(admitted.message);
    admitted.machine.running.add("run/t#1");
    machines.disconnect("reg-b", new RecordingLink(), "stale");
    expect(events).toEqual([]);
    machines.disconnect("reg-b", link, "socket closed");
    expect(events).toEqual([{ type: "machine_went_offline", name: "reg-b", lostAttempts: ["run/t#1"], reason: "socket closed" }]);
    expect(admitted.machine).toMatchObject({ status: "offline", link: undefined });
    expect(admitted.machine.running.size).toBe(0);
  });

  it("disconnects a machine whose heartbeats stopped once the timeout passes, not before", async () => {
    const { registry: machines, clock, events } = registry();
    await machines.start();
    events.length = 0;
    const link = new RecordingLink();
    await machines.connect(helloFrom("reg-c"), link, connection);
    clock.advance(3000);
    machines.heartbeat("reg-c", link, { v: 1, at: 0, cpuPercent: 12, memoryUsedMb: 100, memoryTotalMb: 1000, running: [] });
    clock.advance(5000);
    expect(link.disconnectedFor).toBeUndefined();
    clock.advance(1000);
    expect(link.disconnectedFor).toBe("missed heartbeats");
    expect(events).toEqual([{ type: "machine_went_offline", name: "reg-c", lostAttempts: [], reason: "no heartbeat for 6000 ms of the server's attention (6000 ms on the clock)" }]);
    machines.stop();
  });

  it("does not count its own busy event loop as the agents' silence, and still drops an agent silent for the timeout after it", async () => {
    // The 10k fan-in bench: submitting the run kept the server's loop busy for 5 s; the watchdog then fired before the
    // sockets' queued heartbeats were read and dropped both agents ("server namespace disconnect").
    const { registry: machines, clock, events } = registry();
    await machines.start();
    events.length = 0;
    const [beating, silent] = [new RecordingLink(), new RecordingLink()];
    await machines.connect(helloFrom("reg-g"), beating, connection);
    await machines.connect(helloFrom("reg-h"), silent, connection);
    const beat = { v: 1 as const, at: 0, cpuPercent: 1, memoryUsedMb: 1, memoryTotalMb: 10, running: [] };
    clock.advance(2000);
    machines.heartbeat("reg-g", beating, beat);
    clock.stall(8000); // heartbeats sent meanwhile wait in the socket
    clock.advance(0); // the watchdog fires 7 s late, before the socket is read
    expect(beating.disconnectedFor).toBeUndefined();
    expect(silent.disconnectedFor).toBeUndefined();
    machines.heartbeat("reg-g", beating, beat); // the queued heartbeat, read after the timers
    for (let second = 0; second < 2; second++) {
      clock.advance(1000);
      machines.heartbeat("reg-g", beating, beat);
    }
    expect(silent.disconnectedFor).toBeUndefined(); // silent for 3 s up to the watchdog's due time + 2 s after it
    clock.advance(1000);
    expect(silent.disconnectedFor).toBe("missed heartbeats");
    expect(beating.disconnectedFor).toBeUndefined();
    expect(events).toEqual([{ type: "machine_went_offline", name: "reg-h", lostAttempts: [], reason: "no heartbeat for 6000 ms of the server's attention (13000 ms on the clock)" }]);
    machines.stop();
  });

  it("samples each machine's load once a second and answers the samples after a time", async () => {
    const { registry: machines, clock } = registry();
    await machines.start();
    const link = new RecordingLink();
    await machines.connect(helloFrom("reg-d"), link, connection);
    machines.heartbeat("reg-d", link, { v: 1, at: 0, cpuPercent: 40, memoryUsedMb: 200, memoryTotalMb: 1000, running: [] });
    clock.advance(3000);
    const [history] = machines.loadHistory(["reg-d"], 0);
    expect(history?.samples).toHaveLength(3);
    expect(history?.samples[0]).toMatchObject({ claimed: { slots: 1 }, cpuPercent: 40, running: 0 });
    const since = history!.samples[1]!.at;
    expect(machines.loadHistory(["reg-d"], since)[0]?.samples).toHaveLength(1);
    expect(machines.loadHistory(["no-such-machine"], 0)).toEqual([]);
    machines.stop();
  });

  it("sums the online machines' load into one cluster series at each sampling instant", async () => {
    const { registry: machines, clock } = registry();
    await machines.start();
    const [first, second] = [new RecordingLink(), new RecordingLink()];
    await machines.connect(helloFrom("reg-e"), first, connection);
    await machines.connect(helloFrom("reg-f"), second, connection);
    machines.heartbeat("reg-e", first, { v: 1, at: 0, cpuPercent: 20, memoryUsedMb: 100, memoryTotalMb: 1000, running: [] });
    machines.heartbeat("reg-f", second, { v: 1, at: 0, cpuPercent: 60, memoryUsedMb: 300, memoryTotalMb: 2000, running: [] });
    clock.advance(2000);
    const cluster = machines.clusterLoad(0);
    expect(cluster).toHaveLength(2);
    expect(cluster[1]).toMatchObject({ online: 2, cpuPercent: 40, memoryUsedMb: 400, memoryTotalMb: 3000, claimed: { slots: 2 } });
    expect(machines.clusterLoad(cluster[1]!.at)).toEqual([]);
    expect(machines.loadHistory(["reg-f", "reg-e", "reg-f"], 0).map((entry) => entry.name)).toEqual(["reg-e", "reg-f"]);
    machines.stop();
  });

  it("drains and undrains a machine, telling the scheduler each status once", async () => {
    const { registry: machines, events } = registry();
    await machines.connect(helloFrom("reg-e"), new RecordingLink(), connection);
    await machines.setDraining("reg-e", true);
    await machines.setDraining("reg-e", true);
    await machines.setDraining("reg-e", false);
    expect(events).toEqual([
      { type: "machine_status_changed", name: "reg-e", status: "draining" },
      { type: "machine_status_changed", name: "reg-e", status: "online" },
    ]);
    expect(await machines.setDraining("no-such-machine", true)).toBeUndefined();
  });

  it("forgets an identity: the agent is told, disconnected, and the name is free for a join token", async () => {
    const { registry: machines, events } = registry();
    const link = new RecordingLink();
    await machines.connect(helloFrom("reg-f"), link, connection);
    expect(await machines.forget("reg-f")).toBe(true);
    expect(link.payloads("machine:forgotten")).toEqual([{ v: 1, machine: "reg-f" }]);
    expect(link.disconnectedFor).toBe("forgotten by an admin");
    expect(events.map((event) => event.type)).toEqual(["machine_went_offline"]);
    const again = await machines.connect(helloFrom("reg-f", { identity: { publicKey: "key-new", signature: "x" } }), new RecordingLink(), connection);
    expect(again).toMatchObject({ ok: true, machine: { publicKey: "key-new" } });
    expect(await machines.forget("no-such-machine")).toBe(false);
  });
});
