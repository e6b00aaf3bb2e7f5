import { failureText } from "../../lib/failure-text.ts";
import { elapsedMs, formatDuration } from "../../lib/format.ts";
import type { AttemptView } from "../../lib/trpc/api-types.ts";
import { TaskStateBadge } from "./run-status-badge.tsx";

/** A task's attempts: number, machine, state (with the failure, its kind said once) and how long each took. */
export function AttemptsTable({ attempts, now, testId }: { attempts: readonly AttemptView[]; now: number; testId?: string }) {
  return (
    <table className="table" data-testid={testId}>
      <thead>
        <tr>
          <th>#</th>
          <th>machine</th>
          <th>state</th>
          <th>took</th>
        </tr>
      </thead>
      <tbody>
        {attempts.map((attempt) => (
          <tr key={attempt.id} title={attempt.error === null ? undefined : failureText(attempt.error.kind, attempt.error.message)}>
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
  );
}
