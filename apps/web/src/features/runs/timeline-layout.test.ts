import { describe, expect, it } from "vitest";
import { UNPLACED_LANE, producersOf, timeTicks, timelineLayout, type TimelineAttempt } from "./timeline-layout.ts";

const T0 = Date.parse("2026-11-28T10:00:00.000Z");
const at = (ms: number): string => new Date(T0 + ms).toISOString();

function attempt(taskId: string, number: number, machine: string | null, startMs: number, endMs: number | null, extra: Partial<TimelineAttempt> = {}): TimelineAttempt {
  return { id: `run/${taskId}#${number}`, taskId, number, machine, state: endMs === null ? "running" : "succeeded", startedAt: at(startMs), finishedAt: endMs === null ? null : at(endMs), errorKind: null, metrics: null, ...extra };
}

describe("timelineLayout", () => {
  it("puts each attempt on its machine's lane, stacking the ones that overlap", () => {
    const layout = timelineLayout(
      {
        startedAt: at(0),
        finishedAt: at(1000),
        attempts: [attempt("a", 1, "alpha", 0, 500), attempt("b", 1, "alpha", 100, 600), attempt("c", 1, "beta", 0, 1000), attempt("d", 1, "alpha", 550, 900)],
        producers: new Map(),
      },
      T0 + 5000,
    );
    expect(layout.lanes).toEqual([
      { name: "alpha", rows: 2 },
      { name: "beta", rows: 1 },
    ]);
    const rows = Object.fromEntries(layout.bars.map((bar) => [bar.taskId, [bar.lane, bar.row]]));
    expect(rows).toEqual({ a: ["alpha", 0], b: ["alpha", 1], c: ["beta", 0], d: ["alpha", 0] });
    expect(layout.startMs).toBe(T0);
    expect(layout.endMs).toBe(T0 + 1000);
  });

  it("shows retries as separate bars and the wait before each attempt", () => {
    const layout = timelineLayout(
      {
        startedAt: at(0),
        finishedAt: null,
        attempts: [attempt("a", 1, "alpha", 0, 200), attempt("b", 1, "beta", 300, 400, { state: "failed", errorKind: "error" }), attempt("b", 2, "alpha", 450, null)],
        producers: producersOf([{ id: "a" }, { id: "b", args: ["a"] }]),
      },
      T0 + 1000,
    );
    const b = layout.bars.filter((bar) => bar.taskId === "b");
    expect(b.map((bar) => [bar.number, bar.lane, bar.state, bar.isOpen])).toEqual([
      [1, "beta", "failed", false],
      [2, "alpha", "running", true],
    ]);
    expect(b[1]!.endMs).toBe(T0 + 1000);
    expect(layout.waits.map((wait) => [wait.attemptId, wait.startMs - T0, wait.endMs - T0])).toEqual([
      ["run/b#1", 200, 300],
      ["run/b#2", 400, 450],
    ]);
    expect(layout.endMs).toBe(T0 + 1000);
  });

  it("draws a transfer from the producer's bar to the consumer's when a value moved between machines", () => {
    const layout = timelineLayout(
      {
        startedAt: at(0),
        finishedAt: at(500),
        attempts: [
          attempt("a", 1, "alpha", 0, 100),
          attempt("b", 1, "beta", 150, 500, { metrics: { transfers: [{ taskId: "a", from: "alpha", bytes: 2048, ms: 12 }] } }),
          attempt("c", 1, "alpha", 150, 300, { metrics: { transfers: [{ taskId: "a", from: "alpha", bytes: 1, ms: 0 }] } }),
        ],
        producers: producersOf([{ id: "a" }, { id: "b", args: [{ from: "a" }] }, { id: "c", args: ["a"] }]),
      },
      T0,
    );
    expect(layout.transfers).toEqual([
      { key: "run/b#1<-a", producer: "a", consumer: "b", fromLane: "alpha", fromRow: 0, toLane: "beta", toRow: 0, fromMs: T0 + 100, toMs: T0 + 150, bytes: 2048, ms: 12 },
    ]);
  });

  it("keeps attempts without a machine on a last lane", () => {
    const layout = timelineLayout({ startedAt: at(0), finishedAt: at(10), attempts: [attempt("a", 1, null, 0, 10), attempt("b", 1, "zeta", 0, 10)], producers: new Map() }, T0);
    expect(layout.lanes.map((lane) => lane.name)).toEqual(["zeta", UNPLACED_LANE]);
  });

  it("is empty before anything started", () => {
    expect(timelineLayout({ startedAt: null, finishedAt: null, attempts: [], producers: new Map() }, T0)).toMatchObject({ lanes: [], bars: [] });
  });
});

describe("timeTicks", () => {
  it("chooses a 1-2-5 step that fits the number of ticks", () => {
    expect(timeTicks(0, 1000, 5)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(timeTicks(0, 9000, 4)).toEqual([0, 5000]);
  });
});
