import { z } from "zod";
import { tracked, type TrackedEnvelope } from "@trpc/server";
import type { RunEvent, RunsService } from "../services/runs.ts";
import { PlacementExplanationOutput } from "./placement-explanation.ts";
import { ResultReferenceOut, RunOutcomeOut } from "../outputs/shared-outputs.ts";

/**
 * `runs.watch`'s messages: a snapshot of the run, then one `batch` per scheduler tick with every change of that
 * tick in order (task changes, log lines, the run's end). A completion burst of 1,000 tasks is one message, not
 * 1,000: the browser parses and applies it once.
 */

/** At most this many events in one message; a longer backlog (a slow client, a 10,000-task burst) is split. */
export const MAX_EVENTS_PER_MESSAGE = 5_000;

export const TaskChangeOutput = z.object({
  taskId: z.string(),
  state: z.string(),
  /** Epoch milliseconds. */
  at: z.number(),
  attempts: z.number().int().nonnegative(),
  maxAttempts: z.number().int().nonnegative(),
  machine: z.string().optional(),
  reason: z.string().optional(),
  /** While retrying after a backoff: when (epoch ms) the next attempt may start. */
  retryAt: z.number().optional(),
  error: z.object({ kind: z.string(), message: z.string() }).optional(),
  result: ResultReferenceOut.optional(),
  /** Why the task runs where it does, or what it waits for (core's placement explanation). */
  placement: PlacementExplanationOutput.optional(),
});

export const LogOutput = z.object({
  /** Null until the line is stored. */
  id: z.number().int().nullable(),
  taskId: z.string().nullable(),
  attemptId: z.string().nullable(),
  level: z.string(),
  message: z.string(),
  /** ISO 8601. */
  at: z.string(),
});

export const RunEventOutput = z.discriminatedUnion("type", [
  z.object({ type: z.literal("task"), change: TaskChangeOutput }),
  z.object({ type: z.literal("log"), log: LogOutput }),
  z.object({ type: z.literal("finished"), outcome: RunOutcomeOut, finishedAt: z.string() }),
]);

/** The watch's messages around `run`, the snapshot's schema (the same view `runs.get` answers). */
export function watchMessageOutput<TRun>(run: z.ZodType<TRun>) {
  return z.discriminatedUnion("type", [
    z.object({ type: z.literal("snapshot"), run }),
    z.object({ type: z.literal("batch"), events: z.array(RunEventOutput).min(1).max(MAX_EVENTS_PER_MESSAGE) }),
  ]);
}

export type WatchMessageOf<TRun> = { type: "snapshot"; run: TRun } | { type: "batch"; events: RunEvent[] };

/**
 * The watch of one run: subscribes first (so nothing falls between), sends `snapshot()`, then everything buffered
 * since as batches, until the run's `finished` event was sent or `signal` aborts. Whatever arrived while the
 * client was busy goes out together in the next message.
 */
export async function* watchRunMessages<TRun>(
  runs: Pick<RunsService, "subscribe" | "isActive">,
  runId: string,
  snapshot: () => Promise<TRun>,
  signal: AbortSignal | undefined,
): AsyncGenerator<TrackedEnvelope<WatchMessageOf<TRun>>, void, unknown> {
  const buffer: RunEvent[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = runs.subscribe(runId, (batch) => {
    for (const event of batch) buffer.push(event);
    wake?.();
  });
  try {
    const run = await snapshot();
    let sequence = 0;
    yield tracked(String(sequence++), { type: "snapshot", run });
    if (!runs.isActive(runId) && buffer.length === 0) return;
    while (!signal?.aborted) {
      if (buffer.length === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          signal?.addEventListener("abort", () => resolve(), { once: true });
        });
        wake = undefined;
        continue;
      }
      const events = buffer.splice(0, MAX_EVENTS_PER_MESSAGE);
      yield tracked(String(sequence++), { type: "batch", events });
      if (events.some((event) => event.type === "finished")) return;
    }
  } finally {
    unsubscribe();
  }
}
