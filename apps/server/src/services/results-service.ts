import type { ResultsService } from "@handoff/api";
import type { Database } from "@handoff/db";
import { unavailable, type ResultRelay } from "../http/result-relay.ts";
import type { Engine } from "../scheduler/engine.ts";
import { recomputeLineage } from "../scheduler/recompute-lineage.ts";
import type { ServerMachines } from "./machines-service.ts";

export interface ResultsServiceOptions {
  readonly engine: Engine;
  readonly db: Database;
  readonly relay: ResultRelay;
  readonly machines: Pick<ServerMachines, "live">;
}

/**
 * Results for the API: references from the engine, values through the relay (from the holder's result server), and
 * recomputation from lineage.
 * @example
 * const ref = await results.reference(runId, "sink", 5_000);
 * const why = ref && results.unreadable(ref, "sink"); // undefined, or { kind: "machine_offline", ... }
 */
export function createResultsService({ engine, db, relay, machines }: ResultsServiceOptions): ResultsService {
  return {
    reference: (runId, taskId, timeoutMs) => engine.waitForResult(runId, taskId, timeoutMs),
    unreadable(ref, taskId) {
      const holder = machines.live(ref.machine);
      const gone = unavailable(ref, taskId, undefined) ?? unavailable(ref, taskId, holder);
      if (gone || holder?.link) return gone;
      return { kind: "machine_offline", message: `the result of "${taskId}" lives on "${ref.machine}", which is offline` };
    },
    value: (runId, taskId, fromMachine, maxBytes) => relay.value(runId, taskId, fromMachine, maxBytes),
    store: (runId, taskId, value, machine) => relay.store(runId, taskId, value, machine),
    lookup: (runId, taskId) => engine.lookupResult(runId, taskId),
    registerLocation(runId, taskId, machine) {
      if (!machines.live(machine)) return false;
      engine.registerResult(runId, taskId, { machine, size: 0, contentType: "application/json", preview: "", truncated: false });
      return true;
    },
    recompute: (startedBy, runId, taskId) => recomputeLineage({ engine, db }, startedBy, runId, taskId),
  };
}
