import type { Clock, TimerHandle, Timers } from "./clock.ts";

/**
 * A clock and timers for tests: time moves only when `advance` says so, and due timers fire in deadline order
 * (then in the order they were set). `soon` callbacks run on `advance` (and `runSoon`) before any timer.
 * @example
 * const clock = new FakeClock(1_000);
 * clock.set(50, () => fired.push("a"));
 * clock.advance(50); // fired: ["a"], clock.now() === 1_050
 */
export class FakeClock implements Clock, Timers {
  private current: number;
  private next = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  private soonQueue: (() => void)[] = [];

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  set(ms: number, fn: () => void): TimerHandle {
    const handle = { id: (this.next += 1) };
    const delay = Number.isNaN(ms) || ms < 0 ? 0 : ms;
    this.timers.set(handle.id, { at: this.current + delay, fn });
    return handle;
  }

  clear(handle: TimerHandle | undefined): void {
    if (handle !== undefined) this.timers.delete(handle.id);
  }

  soon(fn: () => void): void {
    this.soonQueue.push(fn);
  }

  /** Runs the queued `soon` callbacks (and those they queue). */
  runSoon(): void {
    while (this.soonQueue.length > 0) {
      const queue = this.soonQueue;
      this.soonQueue = [];
      for (const fn of queue) fn();
    }
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way at its own time. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`FakeClock.advance: ms must be a number ≥ 0, got ${ms}`);
    const target = this.current + ms;
    this.runSoon();
    for (;;) {
      let due: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= target && (due === undefined || entry[1].at < due[1].at)) due = entry;
      if (due === undefined) break;
      this.timers.delete(due[0]);
      this.current = Math.max(this.current, due[1].at);
      due[1].fn();
      this.runSoon();
    }
    this.current = target;
  }

  /** Time passes while the event loop is busy: nothing fires; the next `advance` fires the overdue timers, late. */
  stall(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`FakeClock.stall: ms must be a number ≥ 0, got ${ms}`);
    this.current += ms;
  }

  /** How many timers are armed. */
  pending(): number {
    return this.timers.size;
  }
}
