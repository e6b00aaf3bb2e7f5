import { leaderLeaseRepository } from "@handoff/db";
import type { Logger } from "../log.ts";
import type { Engine } from "../scheduler/engine.ts";
import type { Leadership } from "../scheduler/leadership.ts";
import { LeaderElection } from "./leader-election.ts";

/** How often a standby reloads the machines the leader stored (its machines view: the leader's records). */
const STANDBY_VIEW_MS = 2000;

export interface ReplicaOptions {
  readonly databaseUrl: string;
  /** This process's id (the lease's holder). */
  readonly replicaId: string;
  readonly ttlMs: number;
  readonly renewMs: number;
  readonly log: Logger;
  /** This replica's URL (the lease row tells standbys where to send clients). */
  readonly url: () => string;
  /** The lease was lost: the engine is fenced already; the default exits (a supervisor restarts the process as a standby). */
  readonly onFenced: (reason: string) => void;
}

/** One server among replicas (issue #18): a standby until it takes the leader lease, then the only scheduler. */
export interface Replica {
  readonly leadership: Leadership;
  /** Campaigns for the lease; the engine starts (and resumes the runs in flight) once it is ours. */
  start(engine: Engine): void;
  /** Called once the engine has started under the lease (the agents are asked to re-announce then). */
  onLeading(listener: (epoch: number) => void): void;
  stop(): Promise<void>;
}

/**
 * @example
 * const replica = createReplica({ databaseUrl, ttlMs: 3000, renewMs: 1000, log, url: () => publicUrl, onFenced: () => process.exit(75) });
 * const engine = new Engine({ ...options, leadership: replica.leadership });
 * replica.start(engine);
 */
export function createReplica(options: ReplicaOptions): Replica {
  const { log } = options;
  const lease = leaderLeaseRepository(options.databaseUrl);
  let engine: Engine | undefined;
  /** The engine has started under the lease: only then does this replica schedule (and take agents). */
  let isStarted = false;
  let standbyView: ReturnType<typeof setInterval> | undefined;
  const leadingListeners: ((epoch: number) => void)[] = [];
  const election = new LeaderElection({
    lease,
    holder: options.replicaId,
    holderUrl: options.url,
    ttlMs: options.ttlMs,
    renewMs: options.renewMs,
    log,
    onElected: (epoch) => {
      clearInterval(standbyView);
      engine?.start().then(
        () => {
          isStarted = election.epoch === epoch;
          log.info("leader: the engine started", { epoch });
          if (isStarted) for (const listener of leadingListeners) listener(epoch);
        },
        (error: unknown) => {
          log.error("leader: the engine failed to start; giving the lease up", { error: error instanceof Error ? error.message : String(error) });
          engine?.fence();
          void election.stop().then(() => options.onFenced("the engine failed to start"));
        },
      );
    },
    onDeposed: (reason) => {
      isStarted = false;
      clearInterval(standbyView);
      engine?.fence();
      options.onFenced(reason);
    },
  });
  const refresh = (): void =>
    void engine?.refreshStandbyView().catch((error: unknown) => log.warn("standby: reading the machines failed", { error: error instanceof Error ? error.message : String(error) }));
  return {
    leadership: { epoch: () => (isStarted ? election.epoch : undefined), leaseEpoch: () => election.epoch, leaderUrl: () => election.leaderUrl, lost: (reason) => election.relinquish(reason) },
    onLeading(listener) {
      leadingListeners.push(listener);
    },
    start(started) {
      engine = started;
      refresh();
      standbyView = setInterval(refresh, STANDBY_VIEW_MS);
      election.start();
    },
    async stop() {
      clearInterval(standbyView);
      await election.stop();
      await lease.close();
    },
  };
}
