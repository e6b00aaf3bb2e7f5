import { describe, expect, it } from "vitest";
import { allocate } from "../placement/allocate.ts";
import { ResourceLedger } from "./resource-ledger.ts";

function ledgerWith(machines: Record<string, Record<string, number>>): ResourceLedger {
  const ledger = new ResourceLedger();
  for (const [name, capacity] of Object.entries(machines)) ledger.register(name, capacity);
  return ledger;
}

describe("when claiming", () => {
  it("takes the cost from what is available and gives it back on release", () => {
    const ledger = ledgerWith({ m1: { cpu: 4, memory: 1000 } });
    expect(ledger.claim("a", "m1", { cpu: 3, memory: 200 })).toEqual({ ok: true });
    expect(ledger.used("m1")).toEqual({ cpu: 3, memory: 200 });
    expect(ledger.available("m1")).toEqual({ cpu: 1, memory: 800 });
    ledger.release("a");
    expect(ledger.available("m1")).toEqual({ cpu: 4, memory: 1000 });
    expect(ledger.totalUsed()).toBe(0);
  });

  it("refuses a claim over what is available and changes nothing", () => {
    const ledger = ledgerWith({ m1: { cpu: 4 } });
    ledger.claim("a", "m1", { cpu: 3 });
    expect(ledger.claim("b", "m1", { cpu: 2, gpu: 1 })).toEqual({ ok: false, machine: "m1", lacks: { cpu: 1, gpu: 1 } });
    expect(ledger.used("m1")).toEqual({ cpu: 3 });
    expect(ledger.claimants()).toEqual(["a"]);
  });

  it("refuses a claim on an unknown machine", () => {
    const ledger = new ResourceLedger();
    expect(ledger.claim("a", "nowhere", { cpu: 1 })).toEqual({ ok: false, machine: "nowhere", lacks: { cpu: 1 } });
    expect(ledger.isAvailable("nowhere", {})).toBe(false);
    expect(ledger.capacity("nowhere")).toEqual({});
    expect(ledger.available("nowhere")).toEqual({});
  });

  it("accumulates when one claimant claims twice on a machine", () => {
    const ledger = ledgerWith({ m1: { cpu: 4 }, m2: { cpu: 4 } });
    ledger.claim("a", "m1", { cpu: 1 });
    ledger.claim("a", "m1", { cpu: 2 });
    ledger.claim("a", "m2", { cpu: 1 });
    expect(Object.fromEntries(ledger.holdings("a"))).toEqual({ m1: { cpu: 3 }, m2: { cpu: 1 } });
    ledger.release("a");
    expect(ledger.holdings("a").size).toBe(0);
    expect(ledger.totalUsed()).toBe(0);
  });

  it("answers isAvailable per requested key, an empty request always fitting a known machine", () => {
    const ledger = ledgerWith({ m1: { cpu: 2 } });
    ledger.claim("a", "m1", { cpu: 1 });
    expect(ledger.isAvailable("m1", { cpu: 1 })).toBe(true);
    expect(ledger.isAvailable("m1", { cpu: 2 })).toBe(false);
    expect(ledger.isAvailable("m1", {})).toBe(true);
  });

  it("never lets used go below zero for a negative amount", () => {
    const ledger = ledgerWith({ m1: { cpu: 2 } });
    expect(ledger.claim("a", "m1", { cpu: -5 }).ok).toBe(true);
    expect(ledger.used("m1")).toEqual({ cpu: 0 });
    expect(ledger.available("m1")).toEqual({ cpu: 2 });
  });
});

describe("when releasing", () => {
  it("is harmless to release twice or release an unknown claimant", () => {
    const ledger = ledgerWith({ m1: { cpu: 2 } });
    ledger.claim("a", "m1", { cpu: 1 });
    ledger.claim("b", "m1", { cpu: 1 });
    ledger.release("a");
    ledger.release("a");
    ledger.release("never");
    expect(ledger.used("m1")).toEqual({ cpu: 1 });
    expect(ledger.claimants()).toEqual(["b"]);
  });

  it("leaves no rounding residue after fractional claims", () => {
    const ledger = ledgerWith({ m1: { cpu: 1 } });
    ledger.claim("a", "m1", { cpu: 0.1 });
    ledger.claim("b", "m1", { cpu: 0.2 });
    ledger.release("a");
    ledger.release("b");
    expect(ledger.totalUsed()).toBe(0);
  });
});

describe("when a machine registers again", () => {
  it("keeps its live claims (Handoff wiped them)", () => {
    const ledger = ledgerWith({ m1: { cpu: 4 } });
    ledger.claim("a", "m1", { cpu: 3 });
    ledger.register("m1", { cpu: 8 });
    expect(ledger.capacity("m1")).toEqual({ cpu: 8 });
    expect(ledger.used("m1")).toEqual({ cpu: 3 });
    expect(ledger.available("m1")).toEqual({ cpu: 5 });
  });

  it("reports 0 available, never negative, when the new capacity is below what is used", () => {
    const ledger = ledgerWith({ m1: { cpu: 4 } });
    ledger.claim("a", "m1", { cpu: 3 });
    ledger.register("m1", { cpu: 1 });
    expect(ledger.available("m1")).toEqual({ cpu: 0 });
    expect(ledger.claim("b", "m1", { cpu: 1 }).ok).toBe(false);
  });
});

describe("when a machine is removed", () => {
  it("refuses new claims but keeps old ones until released", () => {
    const ledger = ledgerWith({ m1: { cpu: 4 } });
    ledger.claim("a", "m1", { cpu: 1 });
    ledger.remove("m1");
    expect(ledger.has("m1")).toBe(false);
    expect(ledger.claim("b", "m1", { cpu: 1 }).ok).toBe(false);
    expect(ledger.used("m1")).toEqual({ cpu: 1 });
    expect(ledger.totalUsed()).toBe(1);
    ledger.release("a");
    expect(ledger.totalUsed()).toBe(0);
  });
});

describe("when claiming many at once", () => {
  it("records all of them when they fit together", () => {
    const ledger = ledgerWith({ m1: { cpu: 2 }, m2: { cpu: 1 } });
    const result = ledger.claimMany([
      { claimant: "a", machine: "m1", cost: { cpu: 1 } },
      { claimant: "g", machine: "m1", cost: { cpu: 1 } },
      { claimant: "b", machine: "m2", cost: { cpu: 1 } },
    ]);
    expect(result).toEqual({ ok: true });
    expect(ledger.totalUsed()).toBe(3);
  });

  it("rolls back every claim when one does not fit, checking cumulatively per machine", () => {
    const ledger = ledgerWith({ m1: { cpu: 2 }, m2: { cpu: 4 } });
    const result = ledger.claimMany([
      { claimant: "a", machine: "m2", cost: { cpu: 1 } },
      { claimant: "b", machine: "m1", cost: { cpu: 2 } },
      { claimant: "c", machine: "m1", cost: { cpu: 1 } },
    ]);
    expect(result).toEqual({ ok: false, machine: "m1", lacks: { cpu: 1 } });
    expect(ledger.totalUsed()).toBe(0);
    expect(ledger.claimants()).toEqual([]);
  });

  it("rolls back when one machine is unknown", () => {
    const ledger = ledgerWith({ m1: { cpu: 2 } });
    const result = ledger.claimMany([
      { claimant: "a", machine: "m1", cost: { cpu: 1 } },
      { claimant: "b", machine: "gone", cost: { cpu: 1 } },
    ]);
    expect(result).toMatchObject({ ok: false, machine: "gone" });
    expect(ledger.totalUsed()).toBe(0);
  });
});

describe("when allocating and claiming call by call (Handoff §6.4 allocate_and_claim)", () => {
  it("sends calls 1–2 to a, 3–4 to b, and leaves the 5th waiting", () => {
    const ledger = ledgerWith({ self: { compute: 0 }, a: { compute: 2 }, b: { compute: 2 } });
    const outcomes: string[] = [];
    for (let call = 1; call <= 5; call++) {
      const machines = ["self", "a", "b"].map((name) => ({ name, free: ledger.available(name) }));
      const allocation = allocate([{ id: `fn${call}`, cost: { compute: 1 }, placement: { kind: "auto" } }], machines, { localMachine: "self" });
      const machine = allocation.placed.get(`fn${call}`);
      if (machine === undefined) {
        const wait = allocation.waiting.get(`fn${call}`);
        outcomes.push(`waiting:${wait?.kind === "busy" ? wait.closestMachine : "?"}`);
        continue;
      }
      const claimed = ledger.claim(`call${call}`, machine, { compute: 1 });
      outcomes.push(claimed.ok ? machine : "claim failed");
    }
    expect(outcomes).toEqual(["a", "a", "b", "b", "waiting:a"]);
    // The 5th call cannot claim anywhere either.
    expect(ledger.claim("call5", "a", { compute: 1 })).toEqual({ ok: false, machine: "a", lacks: { compute: 1 } });
    expect(ledger.totalUsed()).toBe(4);
  });
});

describe("freeView (the scheduler's copy-free available)", () => {
  it("equals available() and follows every claim, release and re-registration", () => {
    const ledger = ledgerWith({ m1: { cpu: 4, slots: 2 } });
    const before = ledger.freeView("m1");
    expect(before).toEqual(ledger.available("m1"));
    expect(Object.isFrozen(before)).toBe(true);
    ledger.claim("a", "m1", { cpu: 3, slots: 1, gpu: 0 });
    expect(ledger.freeView("m1")).toEqual({ cpu: 1, slots: 1, gpu: 0 });
    expect(before).toEqual({ cpu: 4, slots: 2 });
    ledger.register("m1", { cpu: 8, slots: 2 });
    expect(ledger.freeView("m1")).toEqual({ cpu: 5, slots: 1, gpu: 0 });
    ledger.release("a");
    expect(ledger.freeView("m1")).toEqual({ cpu: 8, slots: 2 });
    expect(ledger.freeView("nowhere")).toEqual({});
  });
});
