import { EventEmitter } from "node:events";
import type { LogView, RunEvent, TaskChangeView } from "@handoff/api";

export type { LogView, RunEvent, TaskChangeView };

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
