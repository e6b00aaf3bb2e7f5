import { MAX_TIMER_DELAY_MS } from "@handoff/core";

/** A timer that may wait longer than `setTimeout` holds; `unref`/`ref` as Node's own. */
export interface LongTimeout {
  unref(): LongTimeout;
  ref(): LongTimeout;
  cancel(): void;
}

/**
 * `setTimeout` for any delay. Node clamps a delay over 2³¹−1 ms to 1 ms (a 3e9 ms timeout fired at once and,
 * re-armed, flooded the log); here each wait is at most 2³¹−1 ms and the timer re-arms toward its deadline
 * until it is due. A negative or NaN delay fires at once; `Infinity` never fires. The server's engine and the
 * agent's attempt timeouts use this one implementation.
 * @example
 * const timer = setLongTimeout(() => tick(), 3e9).unref();
 * clearLongTimeout(timer);
 */
export function setLongTimeout(callback: () => void, delayMs: number, now: () => number = Date.now): LongTimeout {
  const delay = Number.isNaN(delayMs) || delayMs < 0 ? 0 : delayMs;
  const deadline = now() + delay;
  let handle: ReturnType<typeof setTimeout> | undefined;
  let isRefed = true;
  const arm = (): void => {
    if (delay === Number.POSITIVE_INFINITY) return;
    const remaining = Math.max(0, deadline - now());
    handle = remaining > MAX_TIMER_DELAY_MS ? setTimeout(arm, MAX_TIMER_DELAY_MS) : setTimeout(fire, remaining);
    if (!isRefed) handle.unref();
  };
  const fire = (): void => {
    handle = undefined;
    callback();
  };
  const timer: LongTimeout = {
    unref() {
      isRefed = false;
      handle?.unref();
      return timer;
    },
    ref() {
      isRefed = true;
      handle?.ref();
      return timer;
    },
    cancel() {
      if (handle !== undefined) clearTimeout(handle);
      handle = undefined;
    },
  };
  arm();
  return timer;
}

/** Cancels a timer made by `setLongTimeout`; `undefined` and fired timers are fine. */
export function clearLongTimeout(timer: LongTimeout | undefined): void {
  timer?.cancel();
}
