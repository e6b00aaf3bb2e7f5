/** An attempt as `runs.timeline` gives it: where it ran and the values it fetched from other machines. */
export interface AttemptTransfers {
  readonly taskId: string;
  readonly machine: string | null;
  readonly metrics: { readonly transfers?: readonly { readonly taskId: string; readonly from: string; readonly bytes: number }[] } | null;
}

/** Bytes moved along one edge of the graph (producer → consumer), between two machines. */
export interface EdgeTransfer {
  readonly bytes: number;
  readonly from: string;
  readonly to: string;
}

/** Bytes moved from one machine to another over the run. */
export interface MachineTransfer {
  readonly from: string;
  readonly to: string;
  readonly bytes: number;
  readonly values: number;
}

export const edgeKey = (producer: string, consumer: string): string => `${producer}\u0000${consumer}`;

/**
 * The bytes each edge (producer task → consumer task) moved between machines, summed over the consumer's attempts.
 * @example edgeTransfers(timeline.attempts).get(edgeKey("load", "resize")) // { bytes: 65536, from: "m1", to: "m2" }
 */
export function edgeTransfers(attempts: readonly AttemptTransfers[]): Map<string, EdgeTransfer> {
  const edges = new Map<string, EdgeTransfer>();
  for (const attempt of attempts) {
    for (const transfer of attempt.metrics?.transfers ?? []) {
      const key = edgeKey(transfer.taskId, attempt.taskId);
      const known = edges.get(key);
      edges.set(key, { bytes: (known?.bytes ?? 0) + transfer.bytes, from: transfer.from, to: attempt.machine ?? "?" });
    }
  }
  return edges;
}

/** The bytes moved between each pair of machines, most first. */
export function machineTransfers(attempts: readonly AttemptTransfers[]): MachineTransfer[] {
  const pairs = new Map<string, MachineTransfer>();
  for (const attempt of attempts) {
    for (const transfer of attempt.metrics?.transfers ?? []) {
      const to = attempt.machine ?? "?";
      const key = `${transfer.from}\u0000${to}`;
      const known = pairs.get(key);
      pairs.set(key, { from: transfer.from, to, bytes: (known?.bytes ?? 0) + transfer.bytes, values: (known?.values ?? 0) + 1 });
    }
  }
  return [...pairs.values()].sort((a, b) => b.bytes - a.bytes || a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
}

/** A task of the run view with where its result is. */
export interface HeldTask {
  readonly taskId: string;
  readonly result: { readonly machine: string; readonly size: number } | null;
  readonly lost: unknown;
  readonly reusedFrom: string | null;
}

/** Which results each machine holds for the run (lost ones left out), machines by name. */
export function resultsByMachine<T extends HeldTask>(tasks: readonly T[]): { machine: string; tasks: T[]; bytes: number }[] {
  const byMachine = new Map<string, T[]>();
  for (const task of tasks) {
    if (task.result === null || task.lost !== null) continue;
    const list = byMachine.get(task.result.machine) ?? [];
    list.push(task);
    byMachine.set(task.result.machine, list);
  }
  return [...byMachine.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([machine, held]) => ({ machine, tasks: held, bytes: held.reduce((sum, task) => sum + (task.result?.size ?? 0), 0) }));
}
