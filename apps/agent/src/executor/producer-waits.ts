import type { TaskErrorJson, WireInput } from "@handoff/protocol";

/** One value a pre-assigned attempt waits for: made by attempt `attemptId` on this machine, stored under (runId, taskId). */
export type ProducerWait = { readonly attemptId: string; readonly runId: string; readonly taskId: string };

export type ProducerWaits = {
  /**
   * Resolves once every producer's value is in the store (ok), or one of them ended here without it, or is unknown
   * here (then the attempt is dropped: its server withdraws it when it hears of that producer's end).
   */
  wait(waits: readonly ProducerWait[]): Promise<{ readonly ok: true } | { readonly ok: false; readonly error: TaskErrorJson }>;
  /** An attempt of this agent settled (its value stored when it succeeded): what waited for it goes on. */
  settled(attemptId: string): void;
};

/**
 * Pre-assigned attempts (issue #15): the server assigns a dependent to its producer's machine as soon as the producer
 * is assigned, with inputs naming the producer's attempt (`after`). The agent holds it, outside its pool and before
 * its timeout starts, until each such value is in its store, then starts it without a round trip to the server.
 */
export function createProducerWaits(options: { readonly has: (runId: string, taskId: string) => boolean; readonly isRunning: (attemptId: string) => boolean }): ProducerWaits {
  const waiters = new Map<string, (() => void)[]>();

  const waitOne = (wait: ProducerWait): Promise<TaskErrorJson | undefined> => {
    const gone = (): TaskErrorJson => ({ kind: "result_lost", message: `input "${wait.taskId}": its attempt ${wait.attemptId} ended on this machine without a value` });
    if (options.has(wait.runId, wait.taskId)) return Promise.resolve(undefined);
    if (!options.isRunning(wait.attemptId)) return Promise.resolve(gone());
    return new Promise((resolve) => {
      let list = waiters.get(wait.attemptId);
      if (list === undefined) waiters.set(wait.attemptId, (list = []));
      list.push(() => resolve(options.has(wait.runId, wait.taskId) ? undefined : gone()));
    });
  };

  return {
    async wait(waits) {
      const errors = await Promise.all(waits.map(waitOne));
      const error = errors.find((found) => found !== undefined);
      return error === undefined ? { ok: true } : { ok: false, error };
    },
    settled(attemptId) {
      const list = waiters.get(attemptId);
      if (list === undefined) return;
      waiters.delete(attemptId);
      for (const wake of list) wake();
    },
  };
}

/** The producers a pre-assigned item's inputs wait for (`after`), or undefined when it waits for none. */
export function producerWaitsOf(runId: string, inputs: readonly WireInput[]): ProducerWait[] | undefined {
  let waits: ProducerWait[] | undefined;
  for (const input of inputs) {
    if (input.kind !== "result" || input.after === undefined) continue;
    (waits ??= []).push({ attemptId: input.after, runId: input.runId ?? runId, taskId: input.taskId });
  }
  return waits;
}
