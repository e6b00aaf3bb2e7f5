"use client";
import { memo } from "react";
import { elapsedMs, formatDuration } from "../../lib/format.ts";
import type { MachineView } from "../../lib/trpc/api-types.ts";
import type { LoadSample } from "./chart-scale.ts";
import { LoadCharts } from "./load-charts.tsx";
import { formatAmount, resourceUsage } from "./resource-usage.ts";

const STATUS_COLOR: Record<MachineView["status"], string> = { online: "#1f9d55", draining: "#c98a1b", offline: "#8a94a6" };

const NO_SAMPLES: readonly LoadSample[] = [];

/** What Drain asks before it takes a machine out of placement (undrain needs no question: it only adds capacity). */
export function drainQuestion(name: string, runningAttempts: number): string {
  const running = runningAttempts === 0 ? "nothing is running on it" : `its ${runningAttempts} running attempt${runningAttempts === 1 ? "" : "s"} finish`;
  return `Drain machine "${name}"? It takes no new tasks; ${running}, and its results stay reachable. Undrain brings it back.`;
}

function MachineCardInner({
  machine,
  now,
  samples = NO_SAMPLES,
  canDrain = false,
  isBusy = false,
  onDrain,
  onForget,
}: {
  machine: MachineView;
  now: number;
  samples?: readonly LoadSample[];
  canDrain?: boolean;
  isBusy?: boolean;
  onDrain?: (name: string, drain: boolean) => void;
  /** Revokes the machine's identity and frees its name (asks first). */
  onForget?: (name: string) => void;
}) {
  const rows = resourceUsage(machine.capacity, machine.claimed, machine.free);
  const heartbeat = elapsedMs(machine.lastHeartbeatAt, null, now);
  return (
    <div className="panel" data-testid={`machine-${machine.name}`}>
      <div className="machine-head">
        <span className="dot" style={{ background: STATUS_COLOR[machine.status] }} />
        <strong>{machine.name}</strong>
        <span className="badge" style={{ background: STATUS_COLOR[machine.status] }}>
          {machine.status}
        </span>
        {machine.local && <span className="chip">local</span>}
        <span className="spacer" />
        <span className="muted" data-testid="running-attempts">
          {machine.runningAttempts} running
        </span>
        {canDrain && onDrain !== undefined && machine.status !== "offline" && (
          <button
            type="button"
            className="btn btn-small"
            disabled={isBusy}
            onClick={() => {
              const isDrain = machine.status !== "draining";
              if (isDrain && !window.confirm(drainQuestion(machine.name, machine.runningAttempts))) return;
              onDrain(machine.name, isDrain);
            }}
            data-testid={machine.status === "draining" ? "undrain" : "drain"}
            title={machine.status === "draining" ? "Accept new tasks again" : "No new tasks; running ones finish"}
          >
            {machine.status === "draining" ? "Undrain" : "Drain"}
          </button>
        )}
        {canDrain && onForget !== undefined && (
          <button
            type="button"
            className="btn btn-small"
            disabled={isBusy}
            onClick={() => {
              if (window.confirm(`Forget machine "${machine.name}"? Its identity is revoked, its agent is disconnected and stops, and the name is free for the next machine that joins with a join token.`)) onForget(machine.name);
            }}
            data-testid="forget"
            title="Revoke this machine's identity and free its name"
          >
            Forget
          </button>
        )}
      </div>
      <div className="panel-body stack" style={{ gap: 8 }}>
        <div>
          {rows.map((row) => (
            <div key={row.resource} className="bar-row" title={`${row.resource}: ${formatAmount(row.claimed)} claimed, ${formatAmount(row.free)} free of ${formatAmount(row.capacity)}`}>
              <span className="mono">{row.resource}</span>
              <div className="bar">
                <div className={row.fraction >= 1 ? "full" : row.fraction >= 0.75 ? "high" : undefined} style={{ width: `${row.fraction * 100}%` }} />
              </div>
              <span className="mono muted" style={{ textAlign: "right" }}>
                {formatAmount(row.claimed)} / {formatAmount(row.capacity)} · {formatAmount(row.free)} free
              </span>
            </div>
          ))}
        </div>
        <LoadCharts samples={samples} />
        <dl className="kv">
          <dt>heartbeat</dt>
          <dd>{heartbeat === null ? "never" : `${formatDuration(heartbeat)} ago`}</dd>
          <dt>agent</dt>
          <dd>{machine.agentVersion ?? "—"}</dd>
          {Object.keys(machine.labels).length > 0 && (
            <>
              <dt>labels</dt>
              <dd>
                {Object.entries(machine.labels).map(([key, value]) => (
                  <span key={key} className="chip">
                    {key}={value}
                  </span>
                ))}
              </dd>
            </>
          )}
          <dt>functions</dt>
          <dd>
            <details>
              <summary>{machine.functions.length} offered</summary>
              <div className="row" style={{ gap: 4, marginTop: 4 }}>
                {machine.functions.map((fn) => (
                  <span key={fn.name} className="chip" title={fn.description}>
                    {fn.name}
                  </span>
                ))}
              </div>
            </details>
          </dd>
        </dl>
      </div>
    </div>
  );
}

export const MachineCard = memo(MachineCardInner);
