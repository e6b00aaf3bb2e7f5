import type { LeaderLeaseRepository, LeaseGrant } from "@handoff/db";
import type { Logger } from "../log.ts";


const CLOCK_MARGIN = 0.1;

export interface LeaderElectionOptions {
  readonly lease: LeaderLeaseRepository;
  /** This replica's id in the lease row (random per process: a restarted process is a new holder). */
  readonly holder: string;
  /** Where this replica answers (written in the lease so standbys can send clients here). */
  readonly holderUrl: () => string;
  readonly ttlMs: number;
  readonly renewMs: number;
  readonly log: Logger;
  /** This replica took the lease under `epoch`: it starts scheduling. */
  readonly onElected: (epoch: number) => void;
  /** This replica lost the lease (taken by another, or not renewed before its end): it must stop scheduling at once. */
  readonly onDeposed: (reason: string) => void;
}

/**
 * Campaigns for the leader lease and keeps it: a standby tries to take it every `renewMs`; the leader renews it as
 * often. The leader's own deadline is measured from *before* it sent the renewal plus the time the database said was
 * left, so it always ends before the database lets anyone else in; at that deadline, without a renewal, it is deposed
 * (a timer, not the next renewal's answer: a hung database must not keep a leader scheduling).
 */
export class LeaderElection {
  private leaderEpoch: number | undefined;
  private deadline: ReturnType<typeof setTimeout> | undefined;
  private next: ReturnType<typeof setTimeout> | undefined;
  private isStopped = false;
  private isDeposed = false;
  private knownLeaderUrl: string | undefined;

  constructor(private readonly options: LeaderElectionOptions) {}

  /** The lease's epoch while this replica leads; undefined on a standby and once deposed. */
  get epoch(): number | undefined {
    return this.leaderEpoch;
  }

  /** Where the leader answers (this replica's own URL while it leads); undefined while nobody holds a valid lease. */
  get leaderUrl(): string | undefined {
    return this.leaderEpoch === undefined ? this.knownLeaderUrl : this.options.holderUrl();
  }

  start(): void {
    void this.round();
  }

  /** Stops campaigning; a leader gives the lease up at once so a standby need not wait for it to expire. */
  async stop(): Promise<void> {
    this.isStopped = true;
    clearTimeout(this.next);
    clearTimeout(this.deadline);
    const epoch = this.leaderEpoch;
    this.leaderEpoch = undefined;
    if (epoch !== undefined) await this.options.lease.release(this.options.holder, epoch).catch(() => undefined);
  }

  private async round(): Promise<void> {
    if (this.isStopped || this.isDeposed) return;
    const { lease, holder, ttlMs, log } = this.options;
    const sentAt = performance.now();
    try {
      if (this.leaderEpoch === undefined) {
        const grant = await lease.acquire(holder, this.options.holderUrl(), ttlMs);
        if (grant !== undefined && !this.isStopped) {
          this.held(grant, sentAt);
          log.warn("took the leader lease: this replica schedules now", { holder, epoch: grant.epoch });
          this.options.onElected(grant.epoch);
        } else {
          const current = await lease.current();
          this.knownLeaderUrl = current !== undefined && current.remainingMs > 0 ? current.holderUrl : undefined;
        }
      } else {
        const grant = await lease.renew(holder, this.leaderEpoch, ttlMs);
        if (grant === undefined) return this.depose(`the lease (epoch ${this.leaderEpoch}) was no longer ours at renewal`);
        this.held(grant, sentAt);
      }
    } catch (error) {
      log.warn("leader lease: the database did not answer", { holder, leading: this.leaderEpoch !== undefined, error: error instanceof Error ? error.message : String(error) });
    }
    if (this.isStopped || this.isDeposed) return;
    this.next = setTimeout(() => void this.round(), this.options.renewMs);
  }

  private held(grant: LeaseGrant, sentAt: number): void {
    this.leaderEpoch = grant.epoch;
    clearTimeout(this.deadline);
    // Ends a tenth of the lease early: the database's clock may run a little faster than ours.
    const leftMs = Math.max(0, sentAt + grant.remainingMs - this.options.ttlMs * CLOCK_MARGIN - performance.now());
    this.deadline = setTimeout(() => this.depose(`the lease (epoch ${grant.epoch}) was not renewed before its end`), leftMs);
  }

  /** A write of this leader's epoch was refused (another replica took the lease): stop now, not at the next renewal. */
  relinquish(reason: string): void {
    if (this.leaderEpoch !== undefined) this.depose(reason);
  }

  private depose(reason: string): void {
    if (this.isDeposed) return;
    this.isDeposed = true;
    clearTimeout(this.deadline);
    clearTimeout(this.next);
    this.leaderEpoch = undefined;
    this.options.log.error("lost the leader lease: this replica stops scheduling", { holder: this.options.holder, reason });
    this.options.onDeposed(reason);
  }
}
