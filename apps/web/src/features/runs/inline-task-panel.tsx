"use client";
import type { TaskView } from "../../lib/trpc/api-types.ts";
import { TaskStateBadge } from "./run-status-badge.tsx";
import { useTaskAttempts } from "./use-task-attempts.ts";
import { AttemptsTable } from "./attempts-table.tsx";

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
      <AttemptsTable attempts={attempts.data ?? []} now={now} />
    </div>
  );
}
