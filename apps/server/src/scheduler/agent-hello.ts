import type { AgentHello, TaskFinishedItem } from "@handoff/protocol";
import type { Logger } from "../log.ts";
import type { Clock } from "./clock.ts";
import type { LeaderGate } from "./leadership.ts";
import type { AgentLink, LiveMachine } from "./live-machine.ts";
import type { ResultLocations } from "./result-locations.ts";
import type { ResumeCoordinator } from "./resume-coordinator.ts";
import type { SchedulerLoop } from "./scheduler-loop.ts";
import type { WriteBehind } from "./write-behind.ts";

/** The engine's parts a hello is set against. */
export interface HelloParts {
  readonly loop: SchedulerLoop;
  readonly resumer: ResumeCoordinator;
  readonly results: ResultLocations;
  readonly writer: WriteBehind;
  readonly leader: LeaderGate;
  readonly clock: Clock;
  readonly log: Logger;
  /** Reports finished attempts as their `task:finished` would. */
  finished(name: string, link: AgentLink, items: readonly TaskFinishedItem[]): void;
}

/**
 * What an admitted agent's hello says, set against what the scheduler holds: attempts the scheduler counted as
 * running there that the agent (on a new connection) does not list are settled (`unannouncedAttempts`: lost, or
 * withdrawn when pre-assigned and still waiting for a producer — they never started); results it
 * finished for runs waiting to resume are adopted; attempts it runs that the scheduler no longer knows (fenced) are
 * aborted; its store is reconciled (a new store id: what the old one held is lost).
 */
export function reconcileHello(parts: HelloParts, machine: LiveMachine, hello: AgentHello, link: AgentLink, isNewConnection: boolean): void {
  if (isNewConnection) settleUnannounced(parts, machine, hello, link);
  parts.resumer.holdResults(machine.name, hello);
  for (const attemptId of hello.running) {
    if (parts.resumer.holdRunning(machine.name, attemptId)) continue;
    const record = parts.loop.state.attempts.get(attemptId);
    if (!record || record.machine !== machine.name) link.send("task:abort", { v: 1, attemptId, reason: "cancelled", ...parts.leader.epochField() });
  }
  parts.results.reconcileStore(machine, hello.storeId, parts.clock.now(), {
    recordLost: (lost) => {
      parts.writer.lostStore(lost);
      parts.loop.scheduleFlush();
    },
    previousProcessLost: (lost) => parts.loop.previousProcessLost(lost),
  });
}

function settleUnannounced(parts: HelloParts, machine: LiveMachine, hello: AgentHello, link: AgentLink): void {
  const { finished, lost } = unannouncedAttempts(machine, hello);
  if (finished.length > 0) parts.finished(machine.name, link, finished);
  if (lost.length > 0) parts.loop.lost(machine, lost, `machine "${machine.name}" came back without the attempt: its assignment or its report was lost on the way`);
  if (finished.length + lost.length > 0) parts.log.warn("an agent came back without attempts this server counted as running on it", { machine: machine.name, finished: finished.length, lost: lost.length });
}

/**
 * An agent said hello on a new connection while the scheduler still counted attempts as running on its machine that
 * the hello does not list as running: their assignment or their report was lost on the way (replicas: a standby whose
 * Redis went away dropped them). Those it holds a result of `finished` (as if their report had come); the others are
 * `lost` (they run again). Without this they would wait for a report that never comes.
 * @example const { finished, lost } = unannouncedAttempts(machine, hello);
 */
export function unannouncedAttempts(machine: Pick<LiveMachine, "running">, hello: Pick<AgentHello, "running" | "held">): { finished: TaskFinishedItem[]; lost: string[] } {
  const running = new Set(hello.running);
  const held = new Map(hello.held.map((result) => [result.attemptId, result.result]));
  const finished: TaskFinishedItem[] = [];
  const lost: string[] = [];
  for (const attemptId of machine.running) {
    if (running.has(attemptId)) continue;
    const result = held.get(attemptId);
    if (result === undefined) lost.push(attemptId);
    else finished.push({ ok: true, attemptId, result, metrics: { wallMs: 0 } });
  }
  return { finished, lost };
}
