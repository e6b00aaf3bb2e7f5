import { describe, expect, it } from "vitest";
import { machineSlots, withMachineSlots } from "./machine-slots.ts";

describe("machineSlots (the one slots default)", () => {
  it("takes the announced slots, else the whole cpu count, else 1", () => {
    expect(machineSlots({ cpu: 8, slots: 2 })).toBe(2);
    expect(machineSlots({ cpu: 8 })).toBe(8);
    expect(machineSlots({ cpu: 2.7 })).toBe(2);
    expect(machineSlots({ gpu: 1 })).toBe(1);
  });

  it("never answers below one slot", () => {
    expect(machineSlots({ cpu: 0.5 })).toBe(1);
    expect(machineSlots({ slots: 0 })).toBe(1);
  });

  it("sets slots on a copy of the capacity", () => {
    const capacity = { cpu: 4, memory: 100 };
    expect(withMachineSlots(capacity)).toEqual({ cpu: 4, memory: 100, slots: 4 });
    expect(capacity).toEqual({ cpu: 4, memory: 100 });
  });
});
