"use client";
import { elapsedMs, formatDuration } from "../../lib/format.ts";
import { failureText } from "../../lib/failure-text.ts";
import type { TaskView } from "../../lib/trpc/api-types.ts";
import { TaskStateBadge } from "./run-status-badge.tsx";
import { useTaskAttempts } from "./use-task-attempts.ts";

type ShownTask = TaskView & { readonly inlineIn?: readonly string[] };

/**
 * An inline task has no attempts of its own: each consumer evaluates it on its own machine. The panel says so
 * and shows the consumers, each with its attempts.
 */
export function InlineTaskPanel({ runId, task, tasks, now }: { runId: string; task: ShownTask; tasks: readonly ShownTask[]; now: number }) {
  const consumers = (task.inlineIn ?? []).flatMap((id) => tasks.find((candidate) => candidate.taskId === id) ?? []);
  return (
    <div data-testid="task-panel">
      <div className="section stack">
        <div className="row">
          <h2 style={{ margin: 0 }} className="mono">
            {task.taskId}
          </h2>
          <span className="chip" data-testid="inline-badge">
            inline
          </span>
        </div>
        <p className="muted" style={{ margin: 0 }} data-testid="inline-explanation">
          {consumers.length === 0
            ? "Inline, and no task consumes it: it is never evaluated."
            : `Inline: never scheduled on its own. It is evaluated inside ${consumers.length === 1 ? "its consumer" : `each of its ${consumers.length} consumers`}, on that consumer's machine, as part of the consumer's attempts.`}
        </p>
      </div>
      {consumers.map((consumer) => (
        <ConsumerAttempts key={consumer.taskId} runId={runId} consumer={consumer} now={now} />
      ))}
    </div>
  );
}

function ConsumerAttempts({ runId, consumer, now }: { runId: string; consumer: ShownTask; now: number }) {
  const attempts = useTaskAttempts(runId, consumer);
  return (
    <div className="section stack" data-testid={`inline-consumer-${consumer.taskId}`}>
      <div className="row">
        <h3 style={{ margin: 0 }} className="mono">
          in {consumer.taskId}
        </h3>
        <TaskStateBadge state={consumer.state} attempts={consumer.attempts} maxAttempts={consumer.maxAttempts} />
      </div>
      {attempts.error !== null && <p className="notice">{attempts.error.message}</p>}
      <table className="table">
        <thead>
          <tr>
            <th>#</th>
            <th>machine</th>
            <th>state</th>
            <th>took</th>
          </tr>
        </thead>
        <tbody>
          {(attempts.data ?? []).map((attempt) => (
            <tr key={attempt.id}>
              <td>{attempt.number}</td>
              <td>{attempt.machine ?? "—"}</td>
              <td>
                <TaskStateBadge state={attempt.state} />
                {attempt.error !== null && <div className="error" style={{ fontSize: 11 }}>{failureText(attempt.error.kind, attempt.error.message)}</div>}
              </td>
              <td>{formatDuration(elapsedMs(attempt.startedAt, attempt.finishedAt, now))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
