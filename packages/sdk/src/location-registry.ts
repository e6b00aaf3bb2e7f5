import type { MachineName, TaskId } from "@handoff/core";
import type { FetchRemote, StoreLookup } from "./result-store.ts";

export type LocationLookup = { readonly ok: true; readonly machine: MachineName } | { readonly ok: false; readonly kind: "not_found" };

/**
 * Where each result lives: `(runId, id) → machine` — Handoff's `DataLocationRegistry`. The server keeps
 * one; `register` overwrites, everything is scoped by run id.
 * @example
 * registry.register("run-1", "resize", "gpu-1");
 * registry.lookup("run-1", "resize"); // { ok: true, machine: "gpu-1" }
 */
export class LocationRegistry {
  readonly #runs = new Map<string, Map<TaskId, MachineName>>();

  register(runId: string, id: TaskId, machine: MachineName): void {
    let run = this.#runs.get(runId);
    if (run === undefined) {
      run = new Map();
      this.#runs.set(runId, run);
    }
    run.set(id, machine);
  }

  lookup(runId: string, id: TaskId): LocationLookup {
    const machine = this.#runs.get(runId)?.get(id);
    return machine === undefined ? { ok: false, kind: "not_found" } : { ok: true, machine };
  }

  /** Every known location of one run (empty for an unknown run); a copy. */
  getAll(runId: string): Map<TaskId, MachineName> {
    return new Map(this.#runs.get(runId));
  }

  clear(runId: string): void {
    this.#runs.delete(runId);
  }

  /**
   * A `FetchRemote` for `ResultStore.getWithFetch` that asks the machine this registry names, as
   * Handoff's `fetch_remote` does: no known location, or a location that is `self`, is `not_found`.
   */
  fetcher(self: MachineName, fetchFrom: (machine: MachineName, runId: string, id: TaskId) => StoreLookup | Promise<StoreLookup>): FetchRemote {
    return (runId, id) => {
      const location = this.lookup(runId, id);
      if (!location.ok || location.machine === self) return { ok: false, kind: "not_found" };
      return fetchFrom(location.machine, runId, id);
    };
  }
}
