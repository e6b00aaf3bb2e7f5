import { z } from "zod";
import { isTerminalRunStatus } from "@handoff/core";
import { RunWaitOut } from "../outputs/run-outputs.ts";
import { router, userProcedure } from "../trpc.ts";
import { runView } from "./runs.ts";

/** How long one `runs.wait` may hold its request open (a client waits longer by calling again). */
export const MAX_RUN_WAIT_MS = 15 * 60_000;

/**
 * `runs.watch` for callers without a stream (REST, curl, a script): one request that answers when the run ends or
 * after `timeoutMs`, whichever is first, with the run's summary; `finished` says which.
 */
export const runWaitRouter = router({
  wait: userProcedure
    .input(
      z
        .object({
          runId: z.string().min(1).max(200),
          timeoutMs: z.number().int().min(0).max(MAX_RUN_WAIT_MS).default(30_000),
        })
        .strict(),
    )
    .output(RunWaitOut)
    .query(async ({ ctx, input, signal }) => {
      // Not found answers at once (runView throws); an active run is waited for.
      const before = await runView(ctx.runs, input.runId);
      if (!isTerminalRunStatus(before.status) && ctx.runs.isActive(input.runId)) {
        await untilEnded(ctx.runs.outcome(input.runId), input.timeoutMs, signal);
      }
      const run = await runView(ctx.runs, input.runId);
      const { file: _file, tasks: _tasks, ...summary } = run;
      return { finished: isTerminalRunStatus(run.status), run: summary };
    }),
});

function untilEnded(outcome: Promise<unknown>, timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    signal?.addEventListener("abort", done, { once: true });
    outcome.then(done, done);
  });
}
