import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MAX_TIMER_DELAY_MS } from "@handoff/core";
import { clearLongTimeout, setLongTimeout } from "./long-timeout.ts";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("a timer longer than setTimeout holds (issue 10 §3)", () => {
  it("fires once, at its deadline, not at once (3e9 ms)", () => {
    const fired = vi.fn();
    setLongTimeout(fired, 3e9);
    vi.advanceTimersByTime(MAX_TIMER_DELAY_MS);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(3e9 - MAX_TIMER_DELAY_MS - 1);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10 * MAX_TIMER_DELAY_MS);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it("can be cleared while it waits, also between re-arms", () => {
    const fired = vi.fn();
    const timer = setLongTimeout(fired, 5e9);
    vi.advanceTimersByTime(MAX_TIMER_DELAY_MS + 10);
    clearLongTimeout(timer);
    vi.advanceTimersByTime(10e9);
    expect(fired).not.toHaveBeenCalled();
  });

  it("fires a short or negative delay like setTimeout, and never fires Infinity", () => {
    const short = vi.fn();
    const negative = vi.fn();
    const never = vi.fn();
    setLongTimeout(short, 5);
    setLongTimeout(negative, -5);
    setLongTimeout(never, Number.POSITIVE_INFINITY);
    vi.advanceTimersByTime(5);
    expect(short).toHaveBeenCalledTimes(1);
    expect(negative).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(100 * MAX_TIMER_DELAY_MS);
    expect(never).not.toHaveBeenCalled();
  });
});
