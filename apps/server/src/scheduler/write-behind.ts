import type { AttemptChange, ChangeBatch, Database, LostStore, RunChange, TaskChange } from "@handoff/db";
import type { TimerHandle, Timers } from "./clock.ts";

export type LogRow = Parameters<Database["logs"]["append"]>[0][number];

/** What one write carries: the run changes in one transaction, then the log lines. */
interface Pending {
  runs: RunChange[];
  tasks: TaskChange[];
  attempts: AttemptChange[];
  lostStores: LostStore[];
  logs: LogRow[];
}

const empty = (): Pending => ({ runs: [], tasks: [], attempts: [], lostStores: [], logs: [] });

/**
 * The scheduler's single writer: queued changes wait up to `writeDelayMs` to share a transaction, one write
 * runs at a time, and whatever piles up meanwhile goes into its next transaction. Under load this turns
 * thousands of ticks into a few large batches instead of a queue of small ones.
 */
export interface WriteBehind {
  run(change: RunChange): void;
  task(change: TaskChange): void;
  attempt(change: AttemptChange): void;
  lostStore(lost: LostStore): void;
  log(row: LogRow): void;
  /** Starts a write after the batching delay (or at once): nothing happens when nothing is queued. */
  start(immediately?: boolean): void;
  /** Every change queued so far has reached the database (failed writes are logged and dropped). */
  flushed(): Promise<void>;
  /** How many changes wait. */
  pendingCount(): number;
}

export interface WriteBehindOptions {
  readonly db: Pick<Database, "runs" | "logs">;
  readonly timers: Timers;
  readonly writeDelayMs: number;
  readonly writeFailed: (error: unknown) => void;
  /** Replicas: the leader lease's epoch each transaction is fenced by (a deposed leader's write is refused whole). */
  readonly epoch?: () => number | undefined;
}

export function createWriteBehind(options: WriteBehindOptions): WriteBehind {
  const { db, timers } = options;
  let pending = empty();
  let writing: Promise<void> = Promise.resolve();
  let isBusy = false;
  let delayTimer: TimerHandle | undefined;
  const fenced = (batch: ChangeBatch): ChangeBatch => {
    if (options.epoch === undefined) return batch;
    const epoch = options.epoch();
    // A replica with no epoch left is no leader: its write must fail, never go unfenced.
    if (epoch === undefined) throw new Error("this replica no longer holds the leader lease: its run-state writes are refused");
    return { ...batch, epoch };
  };
  const pendingCount = (): number => pending.runs.length + pending.tasks.length + pending.attempts.length + pending.lostStores.length + pending.logs.length;

  const writeAll = async (): Promise<void> => {
    while (pendingCount() > 0) {
      const { runs, tasks, attempts, lostStores, logs } = pending;
      pending = empty();
      try {
        if (runs.length + tasks.length + attempts.length + lostStores.length > 0) await db.runs.applyChanges(fenced({ runs, tasks, attempts, lostStores }));
        if (logs.length > 0) await db.logs.append(logs);
      } catch (error) {
        options.writeFailed(error);
      }
    }
    isBusy = false;
  };

  const start = (immediately = false): void => {
    if (isBusy || pendingCount() === 0) return;
    if (!immediately) {
      // Wait a moment so a burst of ticks (a chain hopping every 2 ms) shares one transaction:
      // synchronous SQLite work would otherwise sit between every report and the next assignment.
      delayTimer ??= timers.set(options.writeDelayMs, () => {
        delayTimer = undefined;
        start(true);
      });
      return;
    }
    timers.clear(delayTimer);
    delayTimer = undefined;
    isBusy = true;
    writing = writeAll();
  };

  return {
    run: (change) => void pending.runs.push(change),
    task: (change) => void pending.tasks.push(change),
    attempt: (change) => void pending.attempts.push(change),
    lostStore: (lost) => void pending.lostStores.push(lost),
    log: (row) => void pending.logs.push(row),
    start,
    async flushed() {
      for (;;) {
        await writing;
        if (pendingCount() === 0) return;
        start(true);
      }
    },
    pendingCount,
  };
}
