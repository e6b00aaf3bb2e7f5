import { describe, expect, it } from "vitest";
import { LocationRegistry } from "./location-registry.ts";
import { ResultStore } from "./result-store.ts";

describe("when result locations are registered", () => {
  it("looks them up by run and id, overwriting on re-registration", () => {
    const registry = new LocationRegistry();
    registry.register("r1", "a", "m1");
    registry.register("r1", "a", "m2");
    expect(registry.lookup("r1", "a")).toEqual({ ok: true, machine: "m2" });
    expect(registry.lookup("r1", "b")).toEqual({ ok: false, kind: "not_found" });
    expect(registry.lookup("r2", "a")).toEqual({ ok: false, kind: "not_found" });
  });

  it("lists one run's locations, empty for an unknown run", () => {
    const registry = new LocationRegistry();
    registry.register("r1", "a", "m1");
    registry.register("r1", "b", "m2");
    registry.register("r2", "c", "m3");
    expect(registry.getAll("r1")).toEqual(
      new Map([
        ["a", "m1"],
        ["b", "m2"],
      ]),
    );
    expect(registry.getAll("nope").size).toBe(0);
  });

  it("clears one run only", () => {
    const registry = new LocationRegistry();
    registry.register("r1", "a", "m1");
    registry.register("r2", "a", "m2");
    registry.clear("r1");
    expect(registry.getAll("r1").size).toBe(0);
    expect(registry.lookup("r2", "a")).toEqual({ ok: true, machine: "m2" });
  });
});

describe("when a store fetches through the registry", () => {
  const remoteStores = new Map([["m2", new ResultStore()]]);
  remoteStores.get("m2")?.store("r", "a", "from m2");
  const fetchFrom = (machine: string, runId: string, id: string) =>
    remoteStores.get(machine)?.get(runId, id) ?? ({ ok: false, kind: "not_found" } as const);

  it("asks the machine that holds the value and caches it", async () => {
    const registry = new LocationRegistry();
    registry.register("r", "a", "m2");
    const local = new ResultStore();
    await expect(local.getWithFetch("r", "a", registry.fetcher("m1", fetchFrom))).resolves.toEqual({ ok: true, value: "from m2" });
    expect(local.has("r", "a")).toBe(true);
  });

  it("reports not_found for an unknown location or one that is itself", async () => {
    const registry = new LocationRegistry();
    registry.register("r", "self", "m1");
    const local = new ResultStore();
    const fetcher = registry.fetcher("m1", fetchFrom);
    await expect(local.getWithFetch("r", "unknown", fetcher)).resolves.toEqual({ ok: false, kind: "not_found" });
    await expect(local.getWithFetch("r", "self", fetcher)).resolves.toEqual({ ok: false, kind: "not_found" });
  });
});
