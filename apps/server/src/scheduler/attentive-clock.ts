import type { Clock } from "./clock.ts";

/**
 * The server's attentive time: the clock minus every stretch in which its own event loop was too busy to read its
 * sockets (measured as the lateness of a periodic timer). A silence judged on this clock is the peer's, never the
 * server's: heartbeats that waited in the socket while the loop was busy are not counted as missed.
 * @example
 * const attention = new AttentiveClock(clock);
 * const heardAt = attention.now();
 * attention.noteFiredAt(dueAt); // a timer fired 4 s after dueAt: the loop was busy for those 4 s
 * attention.now() - heardAt; // the wall time since, less those 4 s
 */
export class AttentiveClock {
  private stalledMs = 0;

  constructor(private readonly clock: Clock) {}

  now(): number {
    return this.clock.now() - this.stalledMs;
  }

  /** A timer due at `dueAt` fired now: the time past its due was the loop's, not the peers'. Returns the lateness. */
  noteFiredAt(dueAt: number): number {
    const lateness = Math.max(0, this.clock.now() - dueAt);
    this.stalledMs += lateness;
    return lateness;
  }
}
