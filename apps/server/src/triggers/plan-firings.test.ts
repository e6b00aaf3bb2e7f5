import { compileCron, MAX_CATCH_UP } from "@handoff/api";
import { describe, expect, it } from "vitest";
import { FakeClock } from "../scheduler/fake-clock.ts";
import { planFirings } from "./plan-firings.ts";

function times(cron: string, timeZone: string) {
  const compiled = compileCron(cron, timeZone);
  if (!compiled.ok) throw new Error(compiled.message);
  return compiled.times;
}

const at = (iso: string) => Date.parse(iso);
const isos = (list: readonly number[]) => list.map((time) => new Date(time).toISOString());

/**
 * Drives the planner the way the schedule runner does: a timer armed (on the fake clock) at the next firing time;
 * each time it fires, plan from the cursor and move the cursor. Returns every time fired.
 */
function drive(clock: FakeClock, cron: string, timeZone: string, until: number): number[] {
  const cronTimes = times(cron, timeZone);
  const fired: number[] = [];
  let cursor = clock.now();
  const tick = (): void => {
    const plan = planFirings({ times: cronTimes, catchUp: "none", catchUpLimit: 1, cursor, now: clock.now() });
    fired.push(...plan.fire);
    cursor = plan.cursor;
    if (plan.next !== null) clock.set(plan.next - clock.now(), tick);
  };
  tick();
  clock.advance(until - clock.now());
  return fired;
}

describe("planFirings across daylight-saving changes (Europe/Berlin), on a fake clock", () => {
  it("fires every real hour once on the autumn day that has 25 hours", () => {
    const clock = new FakeClock(at("2026-10-24T22:00:00Z") - 1); // just before midnight CEST on the 25th
    const fired = drive(clock, "0 * * * *", "Europe/Berlin", at("2026-10-25T23:00:00Z") - 1); // until midnight CET
    expect(fired).toHaveLength(25);
    expect(new Set(fired).size).toBe(25);
    // 02:00 local happens twice (CEST then CET): both fire, an hour apart.
    expect(isos(fired)).toContain("2026-10-25T00:00:00.000Z");
    expect(isos(fired)).toContain("2026-10-25T01:00:00.000Z");
  });

  it("fires a daily 02:30 once on the day it repeats, and once (at 03:00 CEST) on the day it does not exist", () => {
    const autumn = new FakeClock(at("2026-10-23T12:00:00Z"));
    expect(isos(drive(autumn, "30 2 * * *", "Europe/Berlin", at("2026-10-27T12:00:00Z")))).toEqual([
      "2026-10-24T00:30:00.000Z",
      "2026-10-25T00:30:00.000Z", // 02:30 CEST, the first of the two
      "2026-10-26T01:30:00.000Z",
      "2026-10-27T01:30:00.000Z",
    ]);
    const spring = new FakeClock(at("2026-03-27T12:00:00Z"));
    expect(isos(drive(spring, "30 2 * * *", "Europe/Berlin", at("2026-03-31T12:00:00Z")))).toEqual([
      "2026-03-28T01:30:00.000Z",
      "2026-03-29T01:00:00.000Z", // 02:30 does not exist that day: 03:00 CEST
      "2026-03-30T00:30:00.000Z",
      "2026-03-31T00:30:00.000Z",
    ]);
  });

  it("fires 23 times on the spring day that has 23 hours", () => {
    const clock = new FakeClock(at("2026-03-28T23:00:00Z") - 1); // just before midnight CET on the 29th
    const fired = drive(clock, "0 * * * *", "Europe/Berlin", at("2026-03-29T22:00:00Z") - 1);
    expect(fired).toHaveLength(23);
  });
});

describe("planFirings' catch-up policies", () => {
  const hourly = times("0 * * * *", "UTC");
  // The server was down from 00:30 to 05:20: 01:00 … 05:00 were missed (5 times).
  const cursor = at("2026-06-01T00:30:00Z");
  const now = at("2026-06-01T05:20:00Z");

  it("none fires nothing missed, latest the newest, all the newest up to the limit (oldest first)", () => {
    expect(planFirings({ times: hourly, catchUp: "none", catchUpLimit: 3, cursor, now })).toMatchObject({ fire: [], missed: 5, cursor: now, next: at("2026-06-01T06:00:00Z") });
    expect(isos(planFirings({ times: hourly, catchUp: "latest", catchUpLimit: 3, cursor, now }).fire)).toEqual(["2026-06-01T05:00:00.000Z"]);
    const all = planFirings({ times: hourly, catchUp: "all", catchUpLimit: 3, cursor, now });
    expect(isos(all.fire)).toEqual(["2026-06-01T03:00:00.000Z", "2026-06-01T04:00:00.000Z", "2026-06-01T05:00:00.000Z"]);
    expect(all.missed).toBe(2);
  });

  it("fires the due time that is on time whatever the policy, and counts the rest as missed", () => {
    const onTime = at("2026-06-01T05:00:30Z");
    const plan = planFirings({ times: hourly, catchUp: "none", catchUpLimit: 1, cursor, now: onTime });
    expect(isos(plan.fire)).toEqual(["2026-06-01T05:00:00.000Z"]);
    expect(plan.missed).toBe(4);
    const latest = planFirings({ times: hourly, catchUp: "latest", catchUpLimit: 1, cursor, now: onTime });
    expect(isos(latest.fire)).toEqual(["2026-06-01T04:00:00.000Z", "2026-06-01T05:00:00.000Z"]);
  });

  it("never fires what the cursor has handled, and stays bounded however long the server was down", () => {
    const handled = planFirings({ times: hourly, catchUp: "all", catchUpLimit: 3, cursor: now, now: now + 1000 });
    expect(handled.fire).toEqual([]);
    const everySecond = times("* * * * * *", "UTC");
    const year = planFirings({ times: everySecond, catchUp: "all", catchUpLimit: 10_000, cursor: now - 365 * 86_400_000, now });
    expect(year.fire).toHaveLength(MAX_CATCH_UP + 1); // the on-time one and the newest MAX_CATCH_UP missed
    expect(year.fire[year.fire.length - 1]).toBe(now);
  });
});

describe("compileCron", () => {
  it("names what is wrong: the time zone, the field count, a value out of range, an expression that never fires", () => {
    expect(compileCron("* * * * *", "Mars/Base")).toMatchObject({ ok: false, field: "timeZone" });
    const refusal = (cron: string) => {
      const compiled = compileCron(cron, "UTC");
      return compiled.ok ? "compiled" : `${compiled.field}: ${compiled.message}`;
    };
    expect(refusal("* * *")).toMatch(/^cron: .*3 fields/);
    expect(refusal("61 * * * *")).toMatch(/^cron: .*minute: 61/);
    expect(refusal("0 0 30 2 *")).toMatch(/^cron: .*never fires/);
    expect(compileCron("*/5 * * * *", "America/New_York").ok).toBe(true);
  });
});
