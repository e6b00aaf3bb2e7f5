import type { RunsService, StartedRun } from "@handoff/api";
import type { Database } from "@handoff/db";
import { RunRejectedError, type Engine } from "../scheduler/engine.ts";
import { shipFunctionsFor } from "../functions/ship-functions.ts";
import { createLogger, type Logger } from "../log.ts";
import { rerunRun } from "../scheduler/rerun-run.ts";
import { startOnce } from "./idempotent-start.ts";
import { storedExplanation } from "./stored-explanation.ts";

export interface RunsServiceOptions {
  readonly engine: Engine;
  readonly db: Database;
  readonly now?: () => number;
  readonly log?: Logger;
}

/**
 * Runs for the API over the engine's public methods and the run repository. Reads of stored runs wait for the
 * engine's pending writes first, so a reader sees every change already published to watchers.
 * @example
 * const runs = createRunsService({ engine, db });
 * const started = await runs.start({ dag, file, options: {}, startedBy: "ci", dagId: null, dagVersion: null, dagName: null });
 */
export function createRunsService(options: RunsServiceOptions): RunsService {
  const { engine, db } = options;
  const now = options.now ?? Date.now;
  return {
    async start(request): Promise<StartedRun> {
      const { idempotency, ...run } = request;
      try {
        // Agents that fetch functions load the shipped versions this DAG calls before the run is checked and placed
        // (inside the start: a repeated idempotent start gets its run back without shipping anything).
        const started = await startOnce(db.runs, { tokenId: idempotency?.tokenId ?? "", key: idempotency?.key, now: now() }, async (idempotencyKey) => {
          await shipFunctionsFor({ engine, db, log: options.log ?? createLogger("silent") }, run.dag);
          return engine.submit({ ...run, idempotencyKey });
        });
        return { kind: "started", ...started };
      } catch (error) {
        if (error instanceof RunRejectedError) return { kind: "rejected", message: error.message, problems: error.problems };
        throw error;
      }
    },
    rerun: (request) => rerunRun({ engine, db }, request),
    outcome: (runId) => engine.outcome(runId),
    cancel: (runId, reason) => engine.cancel(runId, reason),
    isActive: (runId) => engine.isActive(runId),
    subscribe: (runId, listener) => engine.subscribe(runId, listener),
    async get(runId) {
      await engine.flushed();
      return db.runs.get(runId);
    },
    list: (filter) => db.runs.list(filter),
    countTasks: (runIds) => db.runs.countTasks(runIds),
    async attempts(runId, taskId) {
      await engine.flushed();
      return db.runs.listAttempts(runId, taskId);
    },
    async explainTask(runId, taskId) {
      const live = engine.explainTask(runId, taskId);
      if (live !== undefined) return { ...live, live: true };
      return storedExplanation(db, runId, taskId);
    },
    async logs(query) {
      await engine.flushed();
      return db.logs.list(query);
    },
  };
}
