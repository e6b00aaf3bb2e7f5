/** One attempt as `runs.timeline` reports it. */
import { producerOf } from "@handoff/protocol";
export interface TimelineAttempt {
  readonly id: string;
  readonly taskId: string;
  readonly number: number;
  readonly machine: string | null;
  /** `running`, `succeeded`, `failed` or `cancelled` (any task state is drawn). */
  readonly state: string;
  /** Null for an attempt that never started; it is not drawn. */
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly errorKind: string | null;
  readonly metrics: {
    readonly wallMs?: number;
    readonly cpuMs?: number;
    readonly heapUsedMb?: number;
    readonly transfers?: readonly { readonly taskId: string; readonly from: string; readonly bytes: number; readonly ms: number }[];
  } | null;
}

/** What the timeline needs of `runs.timeline` and of the DAG file (who depends on whom). */
export interface TimelineInput {
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly attempts: readonly TimelineAttempt[];
  /** Producers of each task (its args' sources). */
  readonly producers: ReadonlyMap<string, readonly string[]>;
}

export interface TimelineBar {
  readonly attemptId: string;
  readonly taskId: string;
  readonly number: number;
  readonly lane: string;
  /** Row within the lane: attempts that overlap in time on one machine stack. */
  readonly row: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly state: TimelineAttempt["state"];
  readonly isOpen: boolean;
  readonly errorKind: string | null;
}

/** Time a task was ready (its producers done, or its previous attempt over) but had not started. */
export interface TimelineWait {
  readonly attemptId: string;
  readonly lane: string;
  readonly row: number;
  readonly startMs: number;
  readonly endMs: number;
}

/** A value that moved between machines into an attempt. */
export interface TimelineTransfer {
  readonly key: string;
  readonly producer: string;
  readonly consumer: string;
  readonly fromLane: string;
  readonly fromRow: number;
  readonly toLane: string;
  readonly toRow: number;
  /** When the producer's value was ready (its successful attempt's end). */
  readonly fromMs: number;
  /** When the consumer's attempt started. */
  readonly toMs: number;
  readonly bytes: number;
  readonly ms: number;
}

export interface TimelineLane {
  readonly name: string;
  readonly rows: number;
}

export interface TimelineLayout {
  readonly lanes: readonly TimelineLane[];
  readonly bars: readonly TimelineBar[];
  readonly waits: readonly TimelineWait[];
  readonly transfers: readonly TimelineTransfer[];
  readonly startMs: number;
  readonly endMs: number;
}

/** Lane of attempts that have no machine (never placed). */
export const UNPLACED_LANE = "(unplaced)";

/**
 * Lays a run's attempts out as a Gantt chart: one lane per machine, a bar per attempt (open attempts end
 * at `now`), overlapping attempts of one machine on separate rows, the wait before each attempt (from the
 * moment its producers had all succeeded, or its previous attempt ended, to its start), and the transfers
 * its inputs needed from other machines drawn from the producer's bar to the consumer's.
 * @example timelineLayout({ startedAt, finishedAt, attempts, producers }, Date.now()).lanes // [{ name: "alpha", rows: 2 }]
 */
export function timelineLayout(input: TimelineInput, now: number): TimelineLayout {
  const attempts = [...input.attempts]
    .map((attempt) => ({ attempt, start: attempt.startedAt === null ? NaN : Date.parse(attempt.startedAt), end: attempt.finishedAt === null ? now : Date.parse(attempt.finishedAt) }))
    .filter((entry) => !Number.isNaN(entry.start))
    .map((entry) => ({ ...entry, end: Number.isNaN(entry.end) ? entry.start : Math.max(entry.start, entry.end) }))
    .sort((a, b) => a.start - b.start || a.attempt.taskId.localeCompare(b.attempt.taskId) || a.attempt.number - b.attempt.number);

  const runStart = input.startedAt === null ? NaN : Date.parse(input.startedAt);
  const runEnd = input.finishedAt === null ? NaN : Date.parse(input.finishedAt);
  const startMs = Math.min(Number.isNaN(runStart) ? Infinity : runStart, ...attempts.map((entry) => entry.start));
  const endMs = Math.max(Number.isNaN(runEnd) ? (input.finishedAt === null && Number.isFinite(startMs) ? now : -Infinity) : runEnd, ...attempts.map((entry) => entry.end));
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs)) return { lanes: [], bars: [], waits: [], transfers: [], startMs: now, endMs: now };

  const rowEnds = new Map<string, number[]>();
  const bars: TimelineBar[] = [];
  for (const { attempt, start, end } of attempts) {
    const lane = attempt.machine ?? UNPLACED_LANE;
    const ends = rowEnds.get(lane) ?? rowEnds.set(lane, []).get(lane)!;
    let row = ends.findIndex((rowEnd) => rowEnd <= start);
    if (row === -1) {
      row = ends.length;
      ends.push(end);
    } else ends[row] = end;
    bars.push({ attemptId: attempt.id, taskId: attempt.taskId, number: attempt.number, lane, row, startMs: start, endMs: end, state: attempt.state, isOpen: attempt.finishedAt === null, errorKind: attempt.errorKind });
  }

  const byTask = new Map<string, TimelineBar[]>();
  for (const bar of bars) (byTask.get(bar.taskId) ?? byTask.set(bar.taskId, []).get(bar.taskId)!).push(bar);
  for (const list of byTask.values()) list.sort((a, b) => a.number - b.number);
  const succeeded = (taskId: string): TimelineBar | undefined => byTask.get(taskId)?.find((bar) => bar.state === "succeeded");

  const waits: TimelineWait[] = [];
  for (const list of byTask.values()) {
    list.forEach((bar, index) => {
      let readyMs: number | null;
      if (index > 0) readyMs = list[index - 1]!.endMs;
      else {
        const producers = input.producers.get(bar.taskId) ?? [];
        const ends = producers.map((producer) => succeeded(producer)?.endMs);
        // A producer with no attempt (an inline task) does not delay the consumer; the run's start does.
        const known = ends.filter((end): end is number => end !== undefined);
        readyMs = known.length === 0 ? (Number.isNaN(runStart) ? null : runStart) : Math.max(...known);
      }
      if (readyMs !== null && bar.startMs > readyMs) waits.push({ attemptId: bar.attemptId, lane: bar.lane, row: bar.row, startMs: readyMs, endMs: bar.startMs });
    });
  }

  const barById = new Map(bars.map((bar) => [bar.attemptId, bar]));
  const transfers: TimelineTransfer[] = [];
  for (const { attempt } of attempts) {
    const consumer = barById.get(attempt.id)!;
    for (const transfer of attempt.metrics?.transfers ?? []) {
      if (transfer.from === attempt.machine) continue;
      const source = succeeded(transfer.taskId) ?? byTask.get(transfer.taskId)?.at(-1);
      transfers.push({
        key: `${attempt.id}<-${transfer.taskId}`,
        producer: transfer.taskId,
        consumer: attempt.taskId,
        fromLane: transfer.from,
        fromRow: source !== undefined && source.lane === transfer.from ? source.row : 0,
        toLane: consumer.lane,
        toRow: consumer.row,
        fromMs: source?.endMs ?? consumer.startMs,
        toMs: consumer.startMs,
        bytes: transfer.bytes,
        ms: transfer.ms,
      });
    }
  }

  const laneNames = [...rowEnds.keys()];
  for (const transfer of transfers) if (!rowEnds.has(transfer.fromLane) && !laneNames.includes(transfer.fromLane)) laneNames.push(transfer.fromLane);
  laneNames.sort((a, b) => (a === UNPLACED_LANE ? 1 : b === UNPLACED_LANE ? -1 : a.localeCompare(b)));
  const lanes = laneNames.map((name) => ({ name, rows: Math.max(1, rowEnds.get(name)?.length ?? 0) }));
  return { lanes, bars, waits, transfers, startMs, endMs: Math.max(endMs, startMs + 1) };
}

/** Producers of each task from the DAG file's args (a string, or `{ from }`). */
export function producersOf(tasks: readonly { readonly id: string; readonly args?: readonly (string | { readonly from: string } | { readonly param: string })[] }[]): Map<string, string[]> {
  return new Map(tasks.map((task) => [task.id, [...new Set((task.args ?? []).flatMap((arg) => producerOf(arg) ?? []))]]));
}

/** Evenly spaced "nice" ticks (1, 2, 5 × 10ⁿ ms) across `[startMs, endMs]`, as offsets from the start. */
export function timeTicks(startMs: number, endMs: number, maxTicks: number): number[] {
  const span = Math.max(1, endMs - startMs);
  const rough = span / Math.max(1, maxTicks);
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= rough) ?? 10 * power;
  const ticks: number[] = [];
  for (let offset = 0; offset <= span + 1e-9; offset += step) ticks.push(offset);
  return ticks;
}
