import { describe, expect, it } from "vitest";
import { HISTORY_LIMIT, canRedo, canUndo, createHistory, historyReducer, type History, type HistoryAction } from "./history.ts";

function run<T>(start: T, actions: HistoryAction<T>[]): History<T> {
  return actions.reduce(historyReducer<T>, createHistory(start));
}

describe("historyReducer", () => {
  it("undoes and redoes changes in order", () => {
    const h = run(0, [{ type: "change", value: 1 }, { type: "change", value: 2 }, { type: "undo" }, { type: "undo" }]);
    expect(h.present).toBe(0);
    expect(canUndo(h)).toBe(false);
    const redone = historyReducer(h, { type: "redo" });
    expect(redone.present).toBe(1);
    expect(canRedo(redone)).toBe(true);
  });

  it("forgets the redo branch after a new change", () => {
    const h = run(0, [{ type: "change", value: 1 }, { type: "undo" }, { type: "change", value: 5 }]);
    expect(canRedo(h)).toBe(false);
    expect(h.past).toEqual([0]);
  });

  it("records a whole drag as one step", () => {
    const h = run(0, [
      { type: "change", value: 1, transient: true },
      { type: "change", value: 2, transient: true },
      { type: "change", value: 3, transient: true },
      { type: "commit" },
    ]);
    expect(h.past).toEqual([0]);
    expect(historyReducer(h, { type: "undo" }).present).toBe(0);
  });

  it("undoes an uncommitted drag to where it started", () => {
    const h = run(0, [{ type: "change", value: 1 }, { type: "change", value: 2, transient: true }, { type: "undo" }]);
    expect(h.present).toBe(1);
  });

  it("ignores a change to the same value", () => {
    const value = { a: 1 };
    const h = run(value, [{ type: "change", value }]);
    expect(canUndo(h)).toBe(false);
  });

  it("keeps at most the last HISTORY_LIMIT steps", () => {
    const actions = Array.from({ length: HISTORY_LIMIT + 20 }, (_, i): HistoryAction<number> => ({ type: "change", value: i + 1 }));
    const h = run(0, actions);
    expect(h.past).toHaveLength(HISTORY_LIMIT);
    expect(h.past[0]).toBe(20);
  });

  it("starts over on reset", () => {
    const h = run(0, [{ type: "change", value: 1 }, { type: "reset", value: 9 }]);
    expect(h).toEqual(createHistory(9));
  });
});
