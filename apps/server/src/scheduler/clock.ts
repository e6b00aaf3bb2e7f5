import { clearLongTimeout, setLongTimeout, type LongTimeout } from "@handoff/protocol";

/** Where the scheduler reads the time: the system clock in the server, a hand-driven one in tests. */
export interface Clock {
  now(): number;
}

/** A timer made by `Timers`; only its service can clear it. */
export interface TimerHandle {
  readonly id: number;
}

/**
 * Every wait the scheduler shell arms goes through here, so tests advance time by hand (`FakeClock`).
 * Timers never keep the process alive (the server's sockets do).
 * @example
 * const handle = timers.set(50, () => flush());
 * timers.clear(handle);
 */
export interface Timers {
  /** Calls `fn` once after `ms` (any length: long waits re-arm, see `setLongTimeout`). */
  set(ms: number, fn: () => void): TimerHandle;
  clear(handle: TimerHandle | undefined): void;
  /** Calls `fn` once the current turn of the event loop is over (after pending I/O callbacks). */
  soon(fn: () => void): void;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Real timers on `setLongTimeout`, unref'ed. */
export function createSystemTimers(): Timers {
  const live = new Map<number, LongTimeout>();
  let next = 0;
  return {
    set(ms, fn) {
      const handle = { id: (next += 1) };
      live.set(
        handle.id,
        setLongTimeout(() => {
          live.delete(handle.id);
          fn();
        }, ms).unref(),
      );
      return handle;
    },
    clear(handle) {
      if (handle === undefined) return;
      clearLongTimeout(live.get(handle.id));
      live.delete(handle.id);
    },
    soon(fn) {
      setImmediate(fn);
    },
  };
}
