import type { Timers } from "../scheduler/clock.ts";

const CHECK_MS = 250;

/**
 * Resolves once every machine in `names` is online again, or after `graceMs`: a restarted server's schedule runner
 * waits for it, so the firings it catches up find the agents that were there (else their DAGs' functions are offered by
 * no machine and the runs are refused). Checks every 250 ms on the injected timers.
 * @example await machinesBack(engine.previouslyConnected, (name) => engine.machines.get(name)?.status === "online", 30_000, timers);
 */
export function machinesBack(names: readonly string[], isOnline: (name: string) => boolean, graceMs: number, timers: Timers): Promise<void> {
  return new Promise((resolve) => {
    let waited = 0;
    const check = (): void => {
      if (names.every(isOnline) || waited >= graceMs) return resolve();
      waited += CHECK_MS;
      timers.set(CHECK_MS, check);
    };
    check();
  });
}
