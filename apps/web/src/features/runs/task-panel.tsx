"use client";
import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { failureText } from "../../lib/failure-text.ts";
import { elapsedMs, formatBytes, formatDuration, formatTime } from "../../lib/format.ts";
import type { LiveLogView, TaskView } from "../../lib/trpc/api-types.ts";
import { useTRPC } from "../../lib/trpc/trpc.ts";
import { MAX_INLINE_VALUE_BYTES, describeValue } from "./describe-value.ts";
import { RecomputeSection } from "./recompute-section.tsx";
import { TaskStateBadge } from "./run-status-badge.tsx";
import { useTaskAttempts } from "./use-task-attempts.ts";
import { AttemptsTable } from "./attempts-table.tsx";
import type { LiveTask } from "./apply-watch-events.ts";
import { WhySection } from "./why-section.tsx";

interface MeasuredMetrics {
  readonly wallMs?: number;
  readonly cpuMs?: number;
  readonly heapUsedMb?: number;
}

function measured(metrics: unknown): MeasuredMetrics {
  return typeof metrics === "object" && metrics !== null ? (metrics as MeasuredMetrics) : {};
}

export function TaskPanel({ runId, task, cost, logs, now }: { runId: string; task: TaskView & Pick<LiveTask, "placement">; cost: Readonly<Record<string, number>> | undefined; logs: readonly LiveLogView[]; now: number }) {
  const trpc = useTRPC();
  const attempts = useTaskAttempts(runId, task);
  const stored = useQuery(trpc.runs.logs.queryOptions({ runId, taskId: task.taskId, limit: 500 }));
  const allLogs = useMemo(() => {
    const byId = new Map<string, LiveLogView>();
    const key = (log: LiveLogView) => (log.id === null ? `${log.at}\u0000${log.message}` : String(log.id));
    for (const log of stored.data?.logs ?? []) byId.set(key(log), log);
    for (const log of logs) if (log.taskId === task.taskId) byId.set(key(log), log);
    return [...byId.values()].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  }, [stored.data, logs, task.taskId]);

  return (
    <div data-testid="task-panel">
      <div className="section stack">
        <div className="row">
          <h2 style={{ margin: 0 }} className="mono">
            {task.taskId}
          </h2>
          <TaskStateBadge state={task.state} attempts={task.attempts} maxAttempts={task.maxAttempts} />
        </div>
        <dl className="kv">
          <dt>machine</dt>
          <dd>{task.machine ?? "—"}</dd>
          <dt>attempts</dt>
          <dd>
            {task.attempts} of {task.maxAttempts}
          </dd>
          <dt>started</dt>
          <dd>{formatTime(task.startedAt)}</dd>
          <dt>finished</dt>
          <dd>{formatTime(task.finishedAt)}</dd>
          <dt>{task.finishedAt === null ? "elapsed" : "took"}</dt>
          <dd>{formatDuration(elapsedMs(task.startedAt, task.finishedAt, now))}</dd>
          {task.state === "retrying" && "retryAt" in task && typeof task.retryAt === "number" && (
            <>
              <dt>next attempt</dt>
              <dd data-testid="next-attempt">
                {task.attempts + 1} of {task.maxAttempts}, {task.retryAt > now ? `in ${formatDuration(task.retryAt - now)}` : "now"} ({formatTime(new Date(task.retryAt).toISOString())})
              </dd>
            </>
          )}
          {task.reason !== null && (
            <>
              <dt>why</dt>
              <dd>{task.reason}</dd>
            </>
          )}
          {task.codeHash !== null && task.codeHash !== undefined && (
            <>
              <dt>code</dt>
              <dd className="mono" title={`code hash ${task.codeHash}`} data-testid="task-code-hash">
                {task.codeHash.slice(0, 12)}
              </dd>
            </>
          )}
          {task.result !== null && (
            <>
              <dt>result lives on</dt>
              <dd data-testid="result-machine">{task.result.machine}</dd>
            </>
          )}
        </dl>
        {task.error !== null && (
          <div className="notice">
            <span data-testid="task-error">{failureText(task.error.kind, task.error.message)}</span>
          </div>
        )}
      </div>

      {!task.inline && <WhySection runId={runId} task={task} />}

      {task.result !== null && <ResultSection runId={runId} taskId={task.taskId} result={task.result} />}
      {task.state === "succeeded" && !task.inline && (task.lost !== null || task.result === null) && <RecomputeSection runId={runId} taskId={task.taskId} lost={task.lost} />}

      <div className="section stack">
        <h3 style={{ margin: 0 }}>Logs</h3>
        <div className="logs" data-testid="task-logs">
          {allLogs.length === 0 ? (
            <span style={{ color: "#8a94a6" }}>{stored.isLoading ? "loading…" : "no log lines"}</span>
          ) : (
            allLogs.map((log) => (
              <div key={log.id} className={log.level === "error" ? "log-error" : log.level === "warn" ? "log-warn" : undefined}>
                <span style={{ color: "#6b7686" }}>{formatTime(log.at)} </span>
                {log.message}
              </div>
            ))
          )}
        </div>
      </div>

      <div className="section stack" data-testid="task-cost">
        <h3 style={{ margin: 0 }}>Declared cost · measured</h3>
        <div className="row" style={{ gap: 4 }}>
          <span className="muted">declared</span>
          {Object.keys(cost ?? {}).length === 0 ? (
            <span className="chip">slots 1</span>
          ) : (
            Object.entries(cost ?? {}).map(([key, amount]) => (
              <span key={key} className="chip" data-testid={`declared-${key}`}>
                {key} {amount}
              </span>
            ))
          )}
        </div>
        <table className="table" data-testid="task-measured">
          <thead>
            <tr>
              <th>#</th>
              <th>wall</th>
              <th>CPU</th>
              <th>heap</th>
            </tr>
          </thead>
          <tbody>
            {(attempts.data ?? []).map((attempt) => {
              const metrics = measured(attempt.metrics);
              return (
                <tr key={attempt.id}>
                  <td>{attempt.number}</td>
                  <td>{formatDuration(metrics.wallMs)}</td>
                  <td>
                    {formatDuration(metrics.cpuMs)}
                    {metrics.cpuMs !== undefined && metrics.wallMs !== undefined && metrics.wallMs >= 50 && <span className="muted"> ({(metrics.cpuMs / metrics.wallMs).toFixed(2)} cores)</span>}
                  </td>
                  <td>{metrics.heapUsedMb === undefined ? "—" : `${metrics.heapUsedMb.toFixed(1)} MB`}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>

      <div className="section stack">
        <h3 style={{ margin: 0 }}>Attempts</h3>
        {attempts.error !== null && <p className="notice">{attempts.error.message}</p>}
        <AttemptsTable attempts={attempts.data ?? []} now={now} testId="task-attempts" />
      </div>
    </div>
  );
}

/** A result reference; `truncated` and `contentType` may be missing from older servers. */
interface ResultInfo {
  readonly machine: string;
  readonly size: number;
  readonly preview: string;
  readonly truncated?: boolean;
  readonly contentType?: string;
}

function ResultSection({ runId, taskId, result }: { runId: string; taskId: string; result: ResultInfo }) {
  const [full, setFull] = useState<{ text: string } | { error: string } | null>(null);
  const [isLoading, setLoading] = useState(false);
  const load = async () => {
    setLoading(true);
    try {
      const response = await fetch(`/api/results/${encodeURIComponent(runId)}/${encodeURIComponent(taskId)}`, { credentials: "same-origin" });
      if (!response.ok) {
        setFull({ error: `HTTP ${response.status}: ${await response.text().catch(() => "")}` });
        return;
      }
      setFull({ text: describeValue(response.headers.get("content-type") ?? "", await response.arrayBuffer()) });
    } catch (error) {
      setFull({ error: (error as Error).message });
    } finally {
      setLoading(false);
    }
  };
  const isTooBig = result.size > MAX_INLINE_VALUE_BYTES;
  const isTruncated = result.truncated ?? result.preview.length < result.size;
  return (
    <div className="section stack" data-testid="task-result">
      <h3 style={{ margin: 0 }}>
        Result · {formatBytes(result.size)}
        {result.contentType === undefined ? "" : ` · ${result.contentType}`}
      </h3>
      <pre className="preview" data-testid="result-preview">
        {result.preview}
        {isTruncated ? "…" : ""}
      </pre>
      {full === null && (
        <button type="button" className="btn btn-small" disabled={isLoading} onClick={() => void load()} data-testid="load-full-value">
          {isLoading ? "Loading…" : `Load full value (${formatBytes(result.size)}) from ${result.machine}`}
        </button>
      )}
      {isTooBig && isTruncated && full === null && (
        <a className="muted" href={`/api/results/${encodeURIComponent(runId)}/${encodeURIComponent(taskId)}`} download>
          or download it
        </a>
      )}
      {full !== null && ("error" in full ? <p className="notice">{full.error}</p> : <pre className="preview" data-testid="result-full">{full.text}</pre>)}
    </div>
  );
}
