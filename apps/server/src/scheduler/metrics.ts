/** Counters and histograms the server exposes at `/metrics` (Prometheus text format). */
const latencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const durationBuckets = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300];

class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly buckets: readonly number[]) {
    this.counts = buckets.map(() => 0);
  }
  observe(value: number): void {
    this.sum += value;
    this.count += 1;
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) this.counts[i]! += 1;
  }
  render(name: string, help: string): string[] {
    const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
    this.buckets.forEach((bucket, i) => lines.push(`${name}_bucket{le="${bucket}"} ${this.counts[i]!}`));
    lines.push(`${name}_bucket{le="+Inf"} ${this.count}`, `${name}_sum ${this.sum}`, `${name}_count ${this.count}`);
    return lines;
  }
}

export interface MetricsSnapshot {
  readonly runsActive: number;
  readonly attemptsRunning: number;
  readonly machinesByStatus: Record<string, number>;
  /** The server process's CPU time so far (`process.cpuUsage()`, µs). */
  readonly cpu: { readonly user: number; readonly system: number };
}

export class Metrics {
  runsStarted = 0;
  assigned = 0;
  readonly runsFinished = new Map<string, number>();
  readonly taskStates = new Map<string, number>();
  /** From the scheduler's decision to the assignment leaving on the agent's socket. */
  readonly dispatchLatency = new Histogram(latencyBuckets);
  readonly attemptDuration = new Histogram(durationBuckets);

  taskChanged(state: string): void {
    this.taskStates.set(state, (this.taskStates.get(state) ?? 0) + 1);
  }
  runFinished(status: string): void {
    this.runsFinished.set(status, (this.runsFinished.get(status) ?? 0) + 1);
  }
  observeAttempt(seconds: number): void {
    this.attemptDuration.observe(seconds);
  }
  observeDispatch(seconds: number): void {
    this.dispatchLatency.observe(seconds);
  }

  render(snapshot: MetricsSnapshot): string {
    const lines: string[] = [
      "# HELP handoff_runs_started_total Runs accepted by the scheduler.",
      "# TYPE handoff_runs_started_total counter",
      `handoff_runs_started_total ${this.runsStarted}`,
      "# HELP handoff_runs_finished_total Runs finished, by status.",
      "# TYPE handoff_runs_finished_total counter",
      ...[...this.runsFinished].map(([status, n]) => `handoff_runs_finished_total{status="${status}"} ${n}`),
      "# HELP handoff_runs_active Runs in flight.",
      "# TYPE handoff_runs_active gauge",
      `handoff_runs_active ${snapshot.runsActive}`,
      "# HELP handoff_task_transitions_total Task state changes, by the state entered.",
      "# TYPE handoff_task_transitions_total counter",
      ...[...this.taskStates].map(([state, n]) => `handoff_task_transitions_total{state="${state}"} ${n}`),
      "# HELP handoff_attempts_running Attempts running on agents.",
      "# TYPE handoff_attempts_running gauge",
      `handoff_attempts_running ${snapshot.attemptsRunning}`,
      "# HELP handoff_tasks_assigned_total Attempts sent to agents.",
      "# TYPE handoff_tasks_assigned_total counter",
      `handoff_tasks_assigned_total ${this.assigned}`,
      "# HELP handoff_machines Machines, by status.",
      "# TYPE handoff_machines gauge",
      ...Object.entries(snapshot.machinesByStatus).map(([status, n]) => `handoff_machines{status="${status}"} ${n}`),
      ...this.dispatchLatency.render("handoff_dispatch_latency_seconds", "From the scheduler's decision to the assignment on the agent's socket."),
      ...this.attemptDuration.render("handoff_attempt_duration_seconds", "From assignment to the attempt's end, as the server saw it."),
      "# HELP process_cpu_user_seconds_total User CPU time spent by the server process.",
      "# TYPE process_cpu_user_seconds_total counter",
      `process_cpu_user_seconds_total ${snapshot.cpu.user / 1e6}`,
      "# HELP process_cpu_system_seconds_total System CPU time spent by the server process.",
      "# TYPE process_cpu_system_seconds_total counter",
      `process_cpu_system_seconds_total ${snapshot.cpu.system / 1e6}`,
    ];
    return `${lines.join("\n")}\n`;
  }
}
