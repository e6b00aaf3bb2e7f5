import { expect, it } from "vitest";
import { describeEachDatabase } from "./testing/describe-each-database.ts";
import type { MachineRegistration } from "./machine-repository.ts";

const registration = (name: string, overrides: Partial<MachineRegistration> = {}): MachineRegistration => ({
  name,
  capacity: { cpu: 4, memory: 8000 },
  labels: { zone: "eu" },
  functions: [{ name: "std.sum", metadata: { arity: 2 } }],
  status: "online",
  agentVersion: "0.1.0",
  resultUrl: `http://${name}:7411`,
  lastHeartbeatAt: new Date("2026-01-01T00:00:00.000Z"),
  ...overrides,
});

describeEachDatabase("when agents register machines", (database) => {
  it("stores capacity, labels and functions as they were sent", async () => {
    const { machines } = database().db;
    const stored = await machines.register(registration("m-store"));
    expect(stored).toMatchObject({
      name: "m-store",
      capacity: { cpu: 4, memory: 8000 },
      labels: { zone: "eu" },
      functions: [{ name: "std.sum", metadata: { arity: 2 } }],
      status: "online",
      resultUrl: "http://m-store:7411",
    });
    expect(await machines.get("m-store")).toEqual(stored);
  });

  it("updates the same row when a machine registers again by name", async () => {
    const { machines } = database().db;
    const first = await machines.register(registration("m-again"));
    const second = await machines.register(registration("m-again", { capacity: { cpu: 16 }, agentVersion: "0.2.0" }));
    expect(second.id).toBe(first.id);
    expect(second.capacity).toEqual({ cpu: 16 });
    expect((await machines.list()).filter((m) => m.name === "m-again")).toHaveLength(1);
  });

  it("records heartbeats for many machines at once and ignores unknown names", async () => {
    const { machines } = database().db;
    await machines.register(registration("m-hb1"));
    await machines.register(registration("m-hb2"));
    const at = new Date("2026-02-02T10:00:00.123Z");
    expect(await machines.recordHeartbeats(["m-hb1", "m-hb2", "m-unknown"], at)).toBe(2);
    expect((await machines.get("m-hb2"))?.lastHeartbeatAt).toEqual(at);
  });

  it("marks online machines offline at start-up but keeps draining ones draining", async () => {
    const { machines } = database().db;
    await machines.register(registration("m-online"));
    await machines.register(registration("m-draining", { status: "draining" }));
    await machines.markAllOffline();
    expect((await machines.get("m-online"))?.status).toBe("offline");
    expect((await machines.get("m-draining"))?.status).toBe("draining");
  });

  it("changes status and removes machines, answering undefined/false for unknown ones", async () => {
    const { machines } = database().db;
    await machines.register(registration("m-gone"));
    expect((await machines.setStatus("m-gone", "draining"))?.status).toBe("draining");
    expect(await machines.setStatus("m-nope", "draining")).toBeUndefined();
    expect(await machines.remove("m-gone")).toBe(true);
    expect(await machines.remove("m-gone")).toBe(false);
    expect(await machines.get("m-gone")).toBeUndefined();
  });
});

describeEachDatabase("when machines prove an identity", (database) => {
  it("binds a key at the first join, refuses another key for the name, and frees the name when forgotten", async () => {
    const { machines } = database().db;
    const at = new Date("2026-02-01T00:00:00.000Z");
    expect(await machines.bindIdentity("m-id", "key-a", at)).toBe("bound");
    expect(await machines.bindIdentity("m-id", "key-a", new Date())).toBe("bound");
    expect(await machines.bindIdentity("m-id", "key-b", new Date())).toBe("taken");
    expect(await machines.get("m-id")).toMatchObject({ publicKey: "key-a", identitySince: at });
    await machines.register(registration("m-id"));
    expect((await machines.get("m-id"))?.publicKey).toBe("key-a");
    expect(await machines.forgetIdentity("m-id")).toBe(true);
    expect(await machines.get("m-id")).toMatchObject({ publicKey: null, identitySince: null });
    expect(await machines.bindIdentity("m-id", "key-b", at)).toBe("bound");
    expect((await machines.get("m-id"))?.publicKey).toBe("key-b");
  });

  it("stores and clears an admin's address override", async () => {
    const { machines } = database().db;
    await machines.register(registration("m-addr"));
    expect(await machines.setAddressOverride("m-addr", "10.0.0.9")).toBe(true);
    expect((await machines.get("m-addr"))?.addressOverride).toBe("10.0.0.9");
    expect(await machines.setAddressOverride("m-addr", null)).toBe(true);
    expect((await machines.get("m-addr"))?.addressOverride).toBeNull();
    expect(await machines.setAddressOverride("m-none", "10.0.0.9")).toBe(false);
  });
});
