import type { DagSpec, TaskSpec } from "../dag/model.ts";
import type { TaskErrorKind } from "../errors.ts";
import { decide } from "./decide.ts";
import type { MachineAnnouncement, RunOptions, RunOutcome, SchedulerCommand, SchedulerEvent } from "./messages.ts";
import { createSchedulerState, type SchedulerConfig, type SchedulerState } from "./scheduler-state.ts";

type Assign = Extract<SchedulerCommand, { type: "assign_task" }>;

/** mulberry32: numbers in [0, 1) that are the same for the same seed everywhere (property tests replay a seed). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Drives `decide` by hand for tests: it records every command and lets a test report what the
 * machines did. Not a mock of anything: it is the same function the shells call.
 */
export class SchedulerDriver {
  readonly state: SchedulerState;
  readonly log: SchedulerCommand[] = [];
  readonly events: SchedulerEvent[] = [];
  now = 0;

  constructor(config: SchedulerConfig = {}) {
    this.state = createSchedulerState(config);
  }

  send(event: SchedulerEvent): SchedulerCommand[] {
    this.events.push(event);
    const { commands } = decide(this.state, event);
    this.log.push(...commands);
    return commands;
  }

  machine(name: string, capacity: Record<string, number>, functions: readonly string[] = ["f", "g", "fail"]): this {
    const machine: MachineAnnouncement = { name, capacity, functions };
    this.send({ type: "machine_joined", now: this.now, machine });
    return this;
  }

  submit(runId: string, tasks: readonly TaskSpec[], options?: RunOptions): SchedulerCommand[] {
    const dag: DagSpec = { tasks };
    return this.send({ type: "run_submitted", now: this.now, runId, dag, ...(options ? { options } : {}) });
  }

  /** Assignments still in flight according to the scheduler (not reported, aborted, lost or timed out). */
  running(): Assign[] {
    const open = new Map<string, Assign>();
    for (const command of this.log) {
      if (command.type === "assign_task" && this.state.attempts.has(command.attemptId)) open.set(command.attemptId, command);
    }
    return [...open.values()];
  }

  assignment(taskId: string): Assign {
    const found = this.running().find((command) => command.taskId === taskId);
    if (!found) throw new Error(`"${taskId}" is not running; running: ${this.running().map((c) => c.taskId).join(", ")}`);
    return found;
  }

  succeed(taskId: string, result: unknown = `${taskId}-value`): SchedulerCommand[] {
    const assign = this.assignment(taskId);
    return this.send({ type: "attempt_succeeded", now: this.now, attemptId: assign.attemptId, machine: assign.machine, result });
  }

  fail(taskId: string, message = "boom", kind: TaskErrorKind = "function_failed"): SchedulerCommand[] {
    const assign = this.assignment(taskId);
    return this.send({
      type: "attempt_failed",
      now: this.now,
      attemptId: assign.attemptId,
      machine: assign.machine,
      error: { kind, message },
    });
  }

  tick(now: number): SchedulerCommand[] {
    this.now = now;
    return this.send({ type: "tick", now });
  }

  outcome(runId: string): RunOutcome | undefined {
    for (const command of this.log) {
      if (command.type === "run_finished" && command.outcome.runId === runId) return command.outcome;
    }
    return undefined;
  }

  /** The last state the scheduler announced for a task. */
  taskState(runId: string, taskId: string): { state: string; reason?: string } | undefined {
    let last: { state: string; reason?: string } | undefined;
    for (const command of this.log) {
      if (command.type === "task_changed" && command.change.runId === runId && command.change.taskId === taskId) {
        last = { state: command.change.state, ...(command.change.reason === undefined ? {} : { reason: command.change.reason }) };
      }
    }
    return last;
  }
}
