import { EventEmitter } from "node:events";
import type { LogView, RunEvent, TaskChangeView } from "@handoff/api";

export type { LogView, RunEvent, TaskChangeView };

/**
 * Publishing a run's changes to whoever watches it (the dashboard's subscriptions, the SDK's waits). Events are
 * collected during a scheduler tick and delivered once at its end, as one batch per run (in publish order): a
 * completion burst of 1,000 tasks is one message to each watcher, not 1,000. In memory today; several server
 * replicas would put a shared bus (PostgreSQL LISTEN/NOTIFY, Redis) behind this interface.
 */
export interface RunEvents {
  /** Queues `event` for the tick's batch of `runId` (dropped at once when nobody watches the run). */
  publish(runId: string, event: RunEvent): void;
  /** Delivers every run's queued events, one batch per run (the scheduler loop calls this at the end of a tick). */
  flush(): void;
  /** Calls `listener` with each batch of `runId`'s events from now on (never an empty one); the answer unsubscribes. */
  subscribe(runId: string, listener: (batch: readonly RunEvent[]) => void): () => void;
}

export function createInMemoryRunEvents(): RunEvents {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  let pending = new Map<string, RunEvent[]>();
  return {
    publish(runId, event) {
      if (emitter.listenerCount(runId) === 0) return;
      const batch = pending.get(runId);
      if (batch) batch.push(event);
      else pending.set(runId, [event]);
    },
    flush() {
      if (pending.size === 0) return;
      const batches = pending;
      pending = new Map();
      for (const [runId, batch] of batches) emitter.emit(runId, batch);
    },
    subscribe(runId, listener) {
      emitter.on(runId, listener);
      return () => emitter.off(runId, listener);
    },
  };
}
