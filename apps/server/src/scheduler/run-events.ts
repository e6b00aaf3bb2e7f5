import { EventEmitter } from "node:events";
import type { RunOutcome } from "@handoff/core";
import type { ResultRef } from "./result-locations.ts";

export type RunEvent =
  | { readonly type: "task"; readonly change: TaskChangeView }
  | { readonly type: "log"; readonly log: LogView }
  | { readonly type: "finished"; readonly outcome: RunOutcome };

export interface TaskChangeView {
  readonly taskId: string;
  readonly state: string;
  readonly at: number;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly machine?: string;
  readonly reason?: string;
  /** While retrying after a backoff: when (epoch ms) the next attempt may start. */
  readonly retryAt?: number;
  readonly error?: { readonly kind: string; readonly message: string };
  readonly result?: ResultRef;
}

export interface LogView {
  readonly id: number | null;
  readonly taskId: string | null;
  readonly attemptId: string | null;
  readonly level: string;
  readonly message: string;
  readonly at: string;
}

/**
 * Publishing a run's changes to whoever watches it (the dashboard's subscriptions, the SDK's waits). In memory
 * today; several server replicas would put a shared bus (PostgreSQL LISTEN/NOTIFY, Redis) behind this interface.
 */
export interface RunEvents {
  publish(runId: string, event: RunEvent): void;
  /** Calls `listener` with every event of `runId` from now on; the answer unsubscribes. */
  subscribe(runId: string, listener: (event: RunEvent) => void): () => void;
}

export function createInMemoryRunEvents(): RunEvents {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    publish: (runId, event) => emitter.emit(runId, event),
    subscribe(runId, listener) {
      emitter.on(runId, listener);
      return () => emitter.off(runId, listener);
    },
  };
}
