import type { FunctionsService } from "@handoff/api";
import type { Database } from "@handoff/db";
import type { Engine } from "../scheduler/engine.ts";

/** Function bundles for the API: stored in the database (never run here); what machines offer, from the engine. */
export function createFunctionsService(options: { readonly engine: Pick<Engine, "machines">; readonly db: Pick<Database, "functionBundles"> }): FunctionsService {
  const { engine, db } = options;
  return {
    push: ({ hash, code, catalogue, source }, by) => db.functionBundles.put({ hash, code, size: Buffer.byteLength(code, "utf8"), catalogue, source, by }),
    list: (limit) => db.functionBundles.list(limit),
    machines: () =>
      [...engine.machines.values()].map((machine) => ({
        name: machine.name,
        status: machine.status,
        fetchesFunctions: machine.fetchesFunctions,
        functions: machine.functions.map((fn) => ({ name: fn.name, codeHash: fn.codeHash })),
      })),
  };
}
