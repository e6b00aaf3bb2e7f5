"use client";
import { useQuery } from "@tanstack/react-query";
import { memo, useEffect, useMemo, useRef, useState } from "react";
import { formatBytes, formatDuration } from "../../lib/format.ts";
import { runDurationMs } from "../../lib/run-duration.ts";
import { isTaskState, taskStateStyle } from "../../lib/task-states.ts";
import { useTRPC } from "../../lib/trpc/trpc.ts";
import { producersOf, timeTicks, timelineLayout, type TimelineBar, type TimelineLayout } from "./timeline-layout.ts";

const ROW_HEIGHT = 22;
const LANE_GAP = 10;
const LABEL_WIDTH = 120;
const AXIS_HEIGHT = 24;

function attemptColor(state: TimelineBar["state"]): string {
  return isTaskState(state) ? taskStateStyle(state).color : "#8a94a6";
}

function useWidth(): [React.RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);
  useEffect(() => {
    const element = ref.current;
    if (element === null) return;
    const observer = new ResizeObserver(([entry]) => entry !== undefined && setWidth(Math.max(200, Math.floor(entry.contentRect.width))));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

/**
 * The run's attempts over time, one lane per machine: bars coloured by the attempt's state (retries are
 * separate bars), the wait before each attempt as a lighter bar, and the values that moved between
 * machines as arrows labelled with bytes and time. Refetched each second while the run is live.
 */
export function RunTimeline({
  runId,
  isActive,
  finishedAt,
  tasks,
  selected,
  onSelect,
  now,
}: {
  runId: string;
  isActive: boolean;
  /** The run's end as the watch learnt it: the stored record can lag it by a write. */
  finishedAt: string | null;
  tasks: readonly { readonly id: string; readonly args?: readonly (string | { readonly from: string } | { readonly param: string })[] }[];
  selected: string | null;
  onSelect: (taskId: string) => void;
  now: number;
}) {
  const trpc = useTRPC();
  const timeline = useQuery(trpc.runs.timeline.queryOptions({ runId }, { refetchInterval: isActive ? 1_000 : false }));
  const { refetch } = timeline;
  // One last fetch when the run ends, so the final attempts are closed.
  useEffect(() => {
    if (!isActive) void refetch();
  }, [isActive, refetch]);
  const producers = useMemo(() => producersOf(tasks), [tasks]);
  // Until the stored record has the run's end, the end the watch reported stands in for it.
  const stored = timeline.data;
  const data = useMemo(() => (stored === undefined || stored.finishedAt !== null || finishedAt === null ? stored : { ...stored, finishedAt }), [stored, finishedAt]);
  const layout = useMemo(
    () => (data === undefined ? null : timelineLayout({ startedAt: data.startedAt, finishedAt: data.finishedAt, attempts: data.attempts, producers }, isActive ? now : Date.now())),
    [data, producers, isActive, now],
  );
  const [ref, width] = useWidth();
  const [zoom, setZoom] = useState(1);

  return (
    <div ref={ref} className="timeline" data-testid="timeline">
      <div className="row muted" style={{ fontSize: 12, marginBottom: 4 }}>
        {layout !== null && data !== undefined && (
          <span>
            {`${layout.bars.length} attempt${layout.bars.length === 1 ? "" : "s"} on ${layout.lanes.length} machine${layout.lanes.length === 1 ? "" : "s"} · `}
            <span data-testid="timeline-duration">{formatDuration(runDurationMs(data, isActive ? now : Date.now()))}</span>
          </span>
        )}
        <span className="spacer" />
        <span>lighter bar: waiting · arrow: value moved between machines</span>
        <label className="row">
          zoom
          <select value={zoom} onChange={(event) => setZoom(Number(event.target.value))} data-testid="timeline-zoom">
            {[1, 2, 4, 8, 16].map((factor) => (
              <option key={factor} value={factor}>
                ×{factor}
              </option>
            ))}
          </select>
        </label>
      </div>
      {timeline.error !== null && <p className="notice">{timeline.error.message}</p>}
      {layout === null ? (
        <p className="empty">Loading the timeline…</p>
      ) : layout.bars.length === 0 ? (
        <p className="empty">No attempt has started yet.</p>
      ) : (
        <div style={{ overflowX: zoom > 1 ? "auto" : "visible" }}>
          <TimelineChart layout={layout} width={width * zoom} selected={selected} onSelect={onSelect} />
        </div>
      )}
    </div>
  );
}

const TimelineChart = memo(function TimelineChart({ layout, width, selected, onSelect }: { layout: TimelineLayout; width: number; selected: string | null; onSelect: (taskId: string) => void }) {
  const plotWidth = Math.max(100, width - LABEL_WIDTH - 16);
  const span = layout.endMs - layout.startMs;
  const x = (ms: number): number => LABEL_WIDTH + ((ms - layout.startMs) / span) * plotWidth;
  const laneTop = new Map<string, number>();
  let top = AXIS_HEIGHT;
  for (const lane of layout.lanes) {
    laneTop.set(lane.name, top);
    top += lane.rows * ROW_HEIGHT + LANE_GAP;
  }
  const height = top;
  const y = (lane: string, row: number): number => (laneTop.get(lane) ?? 0) + row * ROW_HEIGHT;
  const ticks = timeTicks(layout.startMs, layout.endMs, Math.max(2, Math.floor(plotWidth / 90)));
  // Hundreds of transfers: faint arrows, sizes on hover only, so the bars stay readable.
  const isCrowded = layout.transfers.length > 40;

  return (
    <svg width={width} height={height} className="timeline-svg" role="img" aria-label="run timeline">
      <defs>
        <marker id="timeline-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" fill="#7c4dff" />
        </marker>
      </defs>
      {ticks.map((offset) => (
        <g key={offset}>
          <line x1={x(layout.startMs + offset)} x2={x(layout.startMs + offset)} y1={AXIS_HEIGHT - 4} y2={height} stroke="#eef0f3" />
          <text x={x(layout.startMs + offset)} y={14} fontSize={10} fill="#6b7686" textAnchor="middle">
            {formatDuration(offset)}
          </text>
        </g>
      ))}
      {layout.lanes.map((lane) => (
        <g key={lane.name} data-testid={`timeline-lane-${lane.name}`}>
          <rect x={0} y={laneTop.get(lane.name)! - 2} width={width} height={lane.rows * ROW_HEIGHT + 4} fill="#f7f8fa" opacity={0.6} />
          <text x={8} y={laneTop.get(lane.name)! + 15} fontSize={12} fontWeight={600} fill="#1d2430">
            {lane.name}
          </text>
        </g>
      ))}
      {layout.waits.map((wait) => (
        <rect key={`wait-${wait.attemptId}`} x={x(wait.startMs)} y={y(wait.lane, wait.row) + 7} width={Math.max(1, x(wait.endMs) - x(wait.startMs))} height={ROW_HEIGHT - 14} fill="#c98a1b" opacity={0.3} rx={2}>
          <title>waited {formatDuration(wait.endMs - wait.startMs)}</title>
        </rect>
      ))}
      {layout.bars.map((bar) => {
        const barX = x(bar.startMs);
        const barWidth = Math.max(2, x(bar.endMs) - barX);
        const isSelected = bar.taskId === selected;
        const label = bar.number > 1 ? `${bar.taskId} · attempt ${bar.number}` : bar.taskId;
        return (
          <g
            key={bar.attemptId}
            data-testid={`timeline-bar-${bar.taskId}-${bar.number}`}
            data-machine={bar.lane}
            data-state={bar.state}
            style={{ cursor: "pointer" }}
            onClick={() => onSelect(bar.taskId)}
          >
            <title>
              {`${bar.taskId} · attempt ${bar.number} on ${bar.lane}\n${bar.state}${bar.errorKind === null ? "" : ` (${bar.errorKind})`} · ${formatDuration(bar.endMs - bar.startMs)}`}
            </title>
            <rect
              x={barX}
              y={y(bar.lane, bar.row) + 2}
              width={barWidth}
              height={ROW_HEIGHT - 4}
              rx={3}
              fill={attemptColor(bar.state)}
              opacity={bar.isOpen ? 0.75 : 1}
              stroke={isSelected ? "#111" : bar.number > 1 ? "#fff" : "none"}
              strokeWidth={isSelected ? 2 : 1}
              strokeDasharray={bar.number > 1 && !isSelected ? "3 2" : undefined}
            />
            {barWidth > 40 && (
              <text x={barX + 4} y={y(bar.lane, bar.row) + 15} fontSize={10} fill="#fff" style={{ pointerEvents: "none" }}>
                {label.length * 6 > barWidth - 6 ? `${label.slice(0, Math.max(1, Math.floor((barWidth - 10) / 6)))}…` : label}
              </text>
            )}
          </g>
        );
      })}
      {layout.transfers.map((transfer) => {
        const x1 = x(transfer.fromMs);
        const y1 = y(transfer.fromLane, transfer.fromRow) + ROW_HEIGHT / 2;
        const x2 = x(transfer.toMs);
        const y2 = y(transfer.toLane, transfer.toRow) + ROW_HEIGHT / 2;
        const midX = (x1 + x2) / 2;
        return (
          <g key={transfer.key} data-testid={`timeline-transfer-${transfer.producer}-${transfer.consumer}`}>
            <path
              d={`M ${x1} ${y1} C ${midX + 20} ${y1}, ${midX - 20} ${y2}, ${x2} ${y2}`}
              fill="none"
              stroke="#7c4dff"
              strokeWidth={isCrowded ? 0.75 : 1.5}
              opacity={isCrowded ? 0.25 : 1}
              markerEnd={isCrowded ? undefined : "url(#timeline-arrow)"}
            />
            {!isCrowded && (
              <text x={midX + 4} y={(y1 + y2) / 2} fontSize={10} fill="#5b2ecc">
                {formatBytes(transfer.bytes)} · {formatDuration(transfer.ms)}
              </text>
            )}
            <title>{`${transfer.producer} (${transfer.fromLane}) → ${transfer.consumer} (${transfer.toLane}): ${formatBytes(transfer.bytes)} in ${formatDuration(transfer.ms)}`}</title>
          </g>
        );
      })}
    </svg>
  );
});
