import { isTaskState, isTerminalRunStatus, isTerminalTaskState } from "@handoff/core";
import type { LiveLogView, RunView, TaskChangeView, TaskView, WatchEvent, WatchMessage, WatchMessageData } from "../../lib/trpc/api-types.ts";

/** The events inside a tracked message (`{ id, data }`, or the data itself): the snapshot, or a tick's batch. */
export function unwrapWatchMessage(message: WatchMessage): readonly WatchEvent[] {
  const data = typeof message === "object" && message !== null && "data" in message && "id" in message ? message.data : (message as WatchMessageData);
  return data.type === "batch" ? data.events : [data];
}

/** Event times travel as epoch milliseconds or ISO text; the view keeps ISO text. */
function isoTime(at: number | string): string {
  return typeof at === "number" ? new Date(at).toISOString() : at;
}

/** What the run view shows: the run (null until the snapshot arrives) and the logs streamed since. */
/** A task as the live view knows it: while it waits to retry, `retryAt` (epoch ms) says when the next attempt may start. */
export type LiveTask = TaskView & { readonly retryAt?: number; readonly placement?: TaskChangeView["placement"] };

export interface LiveRun {
  readonly run: RunView | null;
  readonly logs: readonly LiveLogView[];
}

export const MAX_LIVE_LOGS = 5_000;

export const EMPTY_LIVE_RUN: LiveRun = { run: null, logs: [] };

/**
 * Folds a batch of `runs.watch` events into the run view: the snapshot replaces everything, a task change
 * updates its task (a change before the snapshot is dropped: the snapshot that follows contains it), a log
 * is appended (the newest `MAX_LIVE_LOGS` kept), `finished` records the outcome and the run's status.
 * One call per animation frame keeps a busy run from re-rendering per event.
 */
export function applyWatchEvents(live: LiveRun, events: readonly WatchEvent[]): LiveRun {
  if (events.length === 0) return live;
  let run = live.run;
  let logs = live.logs;
  let tasks: TaskView[] | null = null;
  let index: Map<string, number> | null = null;
  const appended: LiveLogView[] = [];
  for (const event of events) {
    switch (event.type) {
      case "snapshot":
        run = event.run;
        tasks = null;
        index = null;
        logs = [];
        appended.length = 0;
        break;
      case "task": {
        if (run === null) break;
        if (tasks === null) {
          tasks = [...run.tasks];
          index = new Map(tasks.map((task, i) => [task.taskId, i]));
          run = { ...run, tasks };
        }
        const { change } = event;
        if (!isTaskState(change.state)) break;
        const state = change.state;
        const when = isoTime(change.at);
        const at = index!.get(change.taskId);
        const previous = at === undefined ? null : tasks[at]!;
        const isStarting = state === "running" && previous?.state !== "running";
        const next: LiveTask = {
          ...(state === "retrying" && change.retryAt !== undefined ? { retryAt: change.retryAt } : {}),
          // Why here (running) or why waiting, as the scheduler decided it; other states drop it.
          ...(change.placement === undefined ? {} : { placement: change.placement }),
          taskId: change.taskId,
          state,
          reason: change.reason ?? null,
          machine: change.machine ?? previous?.machine ?? null,
          attempts: change.attempts,
          maxAttempts: change.maxAttempts,
          inline: previous?.inline ?? false,
          startedAt: isStarting ? when : (previous?.startedAt ?? null),
          finishedAt: isTerminalTaskState(state) ? when : null,
          error: change.error ?? (isTerminalTaskState(state) ? (previous?.error ?? null) : null),
          result: change.result ?? previous?.result ?? null,
          reusedFrom: change.result ? (change.result.heldUnder ?? null) : (previous?.reusedFrom ?? null),
          codeHash: change.result ? (change.result.codeHash ?? null) : (previous?.codeHash ?? null),
          // A new success carries a new result: any earlier loss is history.
          lost: change.result ? null : (previous?.lost ?? null),
        };
        if (at === undefined) {
          index!.set(change.taskId, tasks.length);
          tasks.push(next);
        } else tasks[at] = next;
        if (run.status !== "running" && !isTerminalRunStatus(run.status)) run = { ...run, status: "running" };
        break;
      }
      case "log":
        appended.push(event.log);
        break;
      case "finished": {
        if (run === null) break;
        run = { ...run, status: event.outcome.status, outcome: event.outcome, finishedAt: event.finishedAt };
        tasks = null;
        index = null;
        break;
      }
    }
  }
  if (appended.length > 0) {
    const merged = [...logs, ...appended];
    logs = merged.length > MAX_LIVE_LOGS ? merged.slice(merged.length - MAX_LIVE_LOGS) : merged;
  }
  return { run, logs };
}
