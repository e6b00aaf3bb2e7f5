/** Failed authentication per client address: how many in a window before answers become 429. */
export interface ThrottlePolicy {
  readonly maxFailures: number;
  readonly windowMs: number;
  /** Addresses remembered at most (the oldest window is forgotten first). */
  readonly maxAddresses: number;
}

export const DefaultThrottlePolicy: ThrottlePolicy = { maxFailures: 10, windowMs: 60_000, maxAddresses: 10_000 };

export type FailureVerdict = { kind: "counted"; failures: number } | { kind: "throttled"; retryAfterSeconds: number; firstBlocked: boolean };

/**
 * Counts failed authentication per client address in fixed windows. Only the failure path consults it:
 * valid credentials are never refused (on loopback every client shares 127.0.0.1), so the answer to a
 * failure is 401 until the address has failed `maxFailures` times in the window, then 429 with Retry-After.
 * @example
 * const throttle = new FailureThrottle(DefaultThrottlePolicy);
 * const verdict = throttle.fail("203.0.113.9", Date.now()); // { kind: "counted", failures: 1 }
 */
export class FailureThrottle {
  private readonly windows = new Map<string, { startedAt: number; failures: number }>();

  constructor(private readonly policy: ThrottlePolicy = DefaultThrottlePolicy) {}

  fail(address: string, now: number): FailureVerdict {
    let window = this.windows.get(address);
    if (!window || now - window.startedAt >= this.policy.windowMs) {
      this.windows.delete(address);
      if (this.windows.size >= this.policy.maxAddresses) this.evict(now);
      window = { startedAt: now, failures: 0 };
      this.windows.set(address, window);
    }
    window.failures += 1;
    if (window.failures <= this.policy.maxFailures) return { kind: "counted", failures: window.failures };
    const retryAfterSeconds = Math.max(1, Math.ceil((window.startedAt + this.policy.windowMs - now) / 1000));
    return { kind: "throttled", retryAfterSeconds, firstBlocked: window.failures === this.policy.maxFailures + 1 };
  }

  get size(): number {
    return this.windows.size;
  }

  private evict(now: number): void {
    for (const [address, window] of this.windows) {
      if (now - window.startedAt >= this.policy.windowMs) this.windows.delete(address);
    }
    // Still full: forget the oldest windows (insertion order) — memory stays bounded under a flood of addresses.
    while (this.windows.size >= this.policy.maxAddresses) {
      const oldest = this.windows.keys().next();
      if (oldest.done) break;
      this.windows.delete(oldest.value);
    }
  }
}
