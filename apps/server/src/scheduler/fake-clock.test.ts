import { describe, expect, it } from "vitest";
import { createSystemTimers } from "./clock.ts";
import { FakeClock } from "./fake-clock.ts";

describe("when time is driven by hand", () => {
  it("fires due timers in deadline order at their own time, and never early", () => {
    const clock = new FakeClock(1_000);
    const fired: string[] = [];
    clock.set(30, () => fired.push(`b@${clock.now()}`));
    clock.set(10, () => fired.push(`a@${clock.now()}`));
    clock.set(99, () => fired.push("late"));
    clock.advance(29);
    expect(fired).toEqual(["a@1010"]);
    clock.advance(1);
    expect(fired).toEqual(["a@1010", "b@1030"]);
    expect(clock.now()).toBe(1_030);
    expect(clock.pending()).toBe(1);
  });

  it("drops cleared timers and fires timers armed by a timer in the same advance", () => {
    const clock = new FakeClock();
    const fired: number[] = [];
    const cleared = clock.set(5, () => fired.push(-1));
    clock.clear(cleared);
    clock.set(5, () => clock.set(5, () => fired.push(clock.now())));
    clock.advance(20);
    expect(fired).toEqual([10]);
  });

  it("runs soon callbacks before timers, and refuses to go back in time", () => {
    const clock = new FakeClock();
    const order: string[] = [];
    clock.set(0, () => order.push("timer"));
    clock.soon(() => order.push("soon"));
    clock.advance(0);
    expect(order).toEqual(["soon", "timer"]);
    expect(() => clock.advance(-1)).toThrow(/ms must be a number ≥ 0, got -1/);
  });
});

describe("when the system timers are used", () => {
  it("a cleared timer never fires and soon runs after the current turn", async () => {
    const timers = createSystemTimers();
    const fired: string[] = [];
    timers.clear(timers.set(0, () => fired.push("cleared")));
    const done = new Promise<void>((resolve) => timers.set(0, resolve));
    timers.soon(() => fired.push("soon"));
    fired.push("now");
    await done;
    expect(fired).toEqual(["now", "soon"]);
  });
});
