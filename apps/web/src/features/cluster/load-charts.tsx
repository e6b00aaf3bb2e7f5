"use client";
import { memo } from "react";
import { areaPath, linePath, linearScale, recentSamples, resourceSeries, resourcesOf, seriesMax, timeAxisTicks, type LoadSample, type SeriesPoint } from "./chart-scale.ts";
import { formatAmount } from "./resource-usage.ts";

const WIDTH = 300;
const HEIGHT = 36;
export const LOAD_WINDOW_MS = 5 * 60_000;

function Sparkline({ label, area, line, max, unit, color, testId, isRounded = false }: { label: string; area: SeriesPoint[]; line: SeriesPoint[] | null; max: number; unit: string; color: string; testId: string; isRounded?: boolean }) {
  const show = (value: number): string => (isRounded ? String(Math.round(value)) : formatAmount(value));
  const first = area[0]?.at ?? 0;
  const last = area[area.length - 1]?.at ?? 1;
  const x = linearScale([first, last], [0, WIDTH]);
  const y = linearScale([0, max], [HEIGHT - 1, 1]);
  const latest = [...area].reverse().find((point) => point.value !== null)?.value ?? null;
  const latestLine = line === null ? null : ([...line].reverse().find((point) => point.value !== null)?.value ?? null);
  return (
    <div className="spark" data-testid={testId}>
      <div className="spark-head">
        <span className="mono">{label}</span>
        <span className="mono muted">
          {latest === null ? "—" : `${show(latest)}${unit}`}
          {latestLine === null ? "" : ` / ${show(latestLine)}${unit}`}
        </span>
      </div>
      <div className="spark-plot">
      <span className="spark-scale" title="top of the chart" data-testid={`${testId}-scale`}>
        {show(max)}
        {unit}
      </span>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} preserveAspectRatio="none" width="100%" height={HEIGHT} role="img" aria-label={`${label} over time`}>
        <path d={areaPath(area, x, y, HEIGHT)} fill={color} opacity={0.25} />
        <path d={linePath(area, x, y)} fill="none" stroke={color} strokeWidth={1.5} vectorEffect="non-scaling-stroke" />
        {line !== null && <path d={linePath(line, x, y)} fill="none" stroke="#1d2430" strokeWidth={1} strokeDasharray="4 3" vectorEffect="non-scaling-stroke" />}
      </svg>
      </div>
      <div className="spark-axis muted" data-testid={`${testId}-axis`}>
        {timeAxisTicks(first, last, 3).map((tick) => (
          <span key={tick.at} className="spark-tick" style={{ left: `${tick.at * 100}%`, transform: `translateX(-${tick.at * 100}%)` }}>
            {tick.label}
          </span>
        ))}
      </div>
    </div>
  );
}

/**
 * A machine's load over the last minutes: claimed against capacity (dashed) per resource, then the CPU and
 * memory the agent measured. One sample a second from `machines.history`. Each chart has a time axis (seconds
 * or minutes before the newest sample) and its scale with its unit; the latest figure is the card's only one.
 */
function LoadChartsInner({ samples: all }: { samples: readonly LoadSample[] }) {
  const samples = recentSamples(all, LOAD_WINDOW_MS);
  if (samples.length < 2) return <p className="muted" style={{ fontSize: 12 }}>Collecting load samples…</p>;
  const cpu = samples.map((sample) => ({ at: sample.at, value: sample.cpuPercent }));
  const memoryUsed = samples.map((sample) => ({ at: sample.at, value: sample.memoryUsedMb }));
  const memoryTotal = samples.map((sample) => ({ at: sample.at, value: sample.memoryTotalMb }));
  return (
    <div className="load-charts" data-testid="load-charts">
      {resourcesOf(samples).map((resource) => {
        const series = resourceSeries(samples, resource);
        return <Sparkline key={resource} label={`${resource} claimed`} area={series.claimed} line={series.capacity} max={seriesMax([series.claimed, series.capacity])} unit="" color="#2f6fdf" testId={`load-${resource}`} />;
      })}
      <Sparkline label="machine CPU" area={cpu} line={null} max={100} unit=" %" color="#c98a1b" testId="load-cpu-measured" isRounded />
      <Sparkline label="machine memory" area={memoryUsed} line={memoryTotal} max={seriesMax([memoryUsed, memoryTotal])} unit=" MB" color="#9b5de5" testId="load-memory-measured" isRounded />
    </div>
  );
}

export const LoadCharts = memo(LoadChartsInner);
