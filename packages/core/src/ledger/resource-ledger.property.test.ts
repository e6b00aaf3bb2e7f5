import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ResourceLedger } from "./resource-ledger.ts";

const MACHINES = ["m0", "m1", "m2"] as const;
const CLAIMANTS = ["c0", "c1", "c2", "c3"] as const;
const resources = fc.dictionary(fc.constantFrom("cpu", "memory", "slots"), fc.integer({ min: 0, max: 5 }), { maxKeys: 3 });
const claim = fc.record({ claimant: fc.constantFrom(...CLAIMANTS), machine: fc.constantFrom(...MACHINES, "unknown"), cost: resources });

const operation = fc.oneof(
  fc.record({ op: fc.constant("register" as const), machine: fc.constantFrom(...MACHINES), capacity: resources }),
  fc.record({ op: fc.constant("remove" as const), machine: fc.constantFrom(...MACHINES) }),
  fc.record({ op: fc.constant("claim" as const), claim }),
  fc.record({ op: fc.constant("claimMany" as const), claims: fc.array(claim, { maxLength: 4 }) }),
  fc.record({ op: fc.constant("release" as const), claimant: fc.constantFrom(...CLAIMANTS) }),
);

describe("when running random ledger operations", () => {
  it("keeps used ≥ 0, successful claims within capacity, holdings consistent, and ends at zero", () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 40 }), (operations) => {
        const ledger = new ResourceLedger();
        for (const operation of operations) {
          switch (operation.op) {
            case "register":
              ledger.register(operation.machine, operation.capacity);
              break;
            case "remove":
              ledger.remove(operation.machine);
              break;
            case "release":
              ledger.release(operation.claimant);
              break;
            case "claim":
            case "claimMany": {
              const claims = operation.op === "claim" ? [operation.claim] : operation.claims;
              const before = ledger.totalUsed();
              const result = operation.op === "claim" ? ledger.claim(claims[0]!.claimant, claims[0]!.machine, claims[0]!.cost) : ledger.claimMany(claims);
              if (result.ok) {
                // A capacity lowered by re-registering may sit below older claims; the claimed keys may not.
                for (const { machine, cost } of claims) {
                  const capacity = ledger.capacity(machine);
                  const used = ledger.used(machine);
                  for (const [key, amount] of Object.entries(cost)) {
                    if (amount > 0) expect(used[key] ?? 0).toBeLessThanOrEqual(capacity[key] ?? 0);
                  }
                }
              } else {
                expect(ledger.totalUsed()).toBe(before);
              }
              break;
            }
          }
          for (const machine of [...MACHINES, "unknown"]) {
            for (const amount of Object.values(ledger.used(machine))) expect(amount).toBeGreaterThanOrEqual(0);
            for (const amount of Object.values(ledger.available(machine))) expect(amount).toBeGreaterThanOrEqual(0);
          }
          let held = 0;
          for (const claimant of ledger.claimants()) {
            for (const cost of ledger.holdings(claimant).values()) for (const amount of Object.values(cost)) held += amount;
          }
          expect(held).toBe(ledger.totalUsed());
        }
        for (const claimant of ledger.claimants()) ledger.release(claimant);
        expect(ledger.totalUsed()).toBe(0);
        expect(ledger.claimants()).toEqual([]);
      }),
    );
  });
});
