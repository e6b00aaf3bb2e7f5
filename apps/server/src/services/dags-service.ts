import type { DagsService } from "@handoff/api";
import type { Database } from "@handoff/db";
import type { Engine } from "../scheduler/engine.ts";

/**
 * Saved DAGs (the repository) and checks of a DAG against the live cluster (the engine).
 * @example
 * createDagsService({ engine, db }).check(dag) // [] when every function is offered and every cost fits
 */
export function createDagsService({ engine, db }: { readonly engine: Engine; readonly db: Database }): DagsService {
  return {
    create: (dag) => db.dags.create(dag),
    saveVersion: (dagId, version) => db.dags.saveVersion(dagId, version),
    getByName: (name) => db.dags.getByName(name),
    getVersion: (dagId, version) => db.dags.getVersion(dagId, version),
    listVersions: (dagId) => db.dags.listVersions(dagId),
    list: () => db.dags.list(),
    check: (dag) => engine.check(dag),
    previewPlacement: (dag, strategy) => engine.previewPlacement(dag, strategy),
  };
}
