import { failureError } from "@handoff/api";

/** What the engine asks of the leader lease (see `replica/leader-election.ts`). */
export interface Leadership {
  /** The lease's epoch while this replica leads (every run-state write and assignment carries it); undefined otherwise. */
  epoch(): number | undefined;
  /** The lease's epoch while this replica holds it, from its election on (the engine's start writes under it too). */
  leaseEpoch(): number | undefined;
  /** Where the leader answers, as the lease row says (for a standby's `not_leader` refusals). */
  leaderUrl(): string | undefined;
  /** The database refused a write of this leader's epoch: another replica leads; stop at once. */
  lost(reason: string): void;
}

/**
 * Whether this server may schedule now, as the engine asks it: a single server (no `leadership`) always leads; a
 * replica only while it holds the leader lease.
 * @example const gate = leaderGate(replica.leadership); gate.require("starting a run"); // throws not_leader on a standby
 */
export interface LeaderGate {
  isLeading(): boolean;
  /** Refuses (kind `not_leader`, with the leader's URL) what only the scheduler may do, on a standby replica. */
  require(what: string): void;
  /** What writes and assignments carry: the lease's epoch, read each time; undefined on a single server. */
  readonly epoch: (() => number | undefined) | undefined;
  /** The epoch field of a message to agents (welcome, abort, run end, pin): none on a single server. */
  epochField(): { epoch?: number };
  /**
   * Runs a database write of scheduler state with the epoch it must carry: none on a single server, the lease's on
   * the leader; on a replica that no longer holds the lease the write is refused (it must fail, never go unfenced).
   */
  fence<T>(write: (epoch: number | undefined) => Promise<T>): Promise<T>;
}

/** What a write does on a single server: no epoch. */
export const unfenced = <T>(write: (epoch: number | undefined) => Promise<T>): Promise<T> => write(undefined);

export function leaderGate(leadership: Leadership | undefined): LeaderGate {
  const isLeading = (): boolean => leadership === undefined || leadership.epoch() !== undefined;
  return {
    isLeading,
    require(what) {
      if (isLeading()) return;
      const leaderUrl = leadership?.leaderUrl();
      throw failureError({
        kind: "not_leader",
        message: `this server is a standby replica: ${what} goes to the leader${leaderUrl === undefined ? " (none holds the lease right now; retry in a few seconds)" : ` at ${leaderUrl}`}`,
        ...(leaderUrl === undefined ? {} : { leaderUrl }),
      });
    },
    epoch: leadership === undefined ? undefined : () => leadership.epoch(),
    epochField() {
      const epoch = leadership?.epoch();
      return epoch === undefined ? {} : { epoch };
    },
    fence(write) {
      if (leadership === undefined) return write(undefined);
      const epoch = leadership.leaseEpoch();
      if (epoch === undefined) return Promise.reject(new Error("this replica does not hold the leader lease: its scheduler writes are refused"));
      return write(epoch);
    },
  };
}
