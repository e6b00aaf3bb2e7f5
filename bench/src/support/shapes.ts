import type { Stack } from "@handoff/cli/testing";
import type { DagFile } from "@handoff/protocol";
import { processCounters, processCpuSeconds } from "./process-cpu.ts";

type Task = DagFile["tasks"][number];
const file = (name: string, tasks: Task[]): DagFile => ({ format: "handoff.dag", version: 1, name, tasks });

/** 10,000 no-ops and an `as_list` sink counting them, placed freely: tasks per second, submission to result. */
export async function measureWide(stack: Stack, count = 10_000): Promise<number> {
  const wide: Task[] = Array.from({ length: count }, (_, i) => ({ id: `t${i}`, fn: "bench.noop" }));
  wide.push({ id: "sink", fn: "bench.count", args: wide.map((task) => task.id), argumentInclusion: "as_list" });
  const start = performance.now();
  const outcome = await stack.client.execute(file("wide", wide), { materialize: true });
  const ms = performance.now() - start;
  if (outcome.results["sink"] !== count) throw new Error(`wide run ${outcome.status}: sink counted ${String(outcome.results["sink"])}`);
  return (count + 1) / (ms / 1000);
}

/** A chain of `hops` tasks, each the identity of the previous: milliseconds per hop, and the machines it ran on. */
export async function measureChain(stack: Stack, hops = 1000): Promise<{ readonly msPerHop: number; readonly machines: string[] }> {
  const chain: Task[] = [{ id: "c0", fn: "bench.noop" }];
  for (let i = 1; i < hops; i++) chain.push({ id: `c${i}`, fn: "std.identity", args: [`c${i - 1}`] });
  const start = performance.now();
  const outcome = await stack.client.execute(file("chain", chain));
  const ms = performance.now() - start;
  if (outcome.status !== "succeeded") throw new Error(`chain ${outcome.status}`);
  return { msPerHop: ms / hops, machines: [...new Set(Object.values(outcome.allocations))] };
}

export type TransferFigure = {
  /** From the consumer's assignment to its result (grant, fetch, store, call), as the server recorded it. */
  readonly endToEndMs: number;
  /** The fetch alone, as the consumer's agent measured it. */
  readonly fetchMs: number | undefined;
  /**
   * CPU milliseconds and minor page faults (pages touched for the first time) of the consumer's agent process over the
   * run (only the consumer runs there: fetch, store, hand-over, call), and of the producer's (making the value, then
   * serving it), from /proc (NaN elsewhere).
   */
  readonly consumer: { readonly cpuMs: number; readonly minorFaults: number };
  readonly producer: { readonly cpuMs: number; readonly minorFaults: number };
};

/** Moves `size` bytes made on machine `from` into a function on machine `to` (a fresh run each time). */
export async function measureTransfer(stack: Stack, size: number, from = "A", to = "B"): Promise<TransferFigure> {
  const pids = [stack.agents.get(to)?.pid, stack.agents.get(from)?.pid];
  const before = pids.map(processCounters);
  const { runId } = await stack.client.startRun(
    file("transfer", [
      { id: "blob", fn: "std.bytes", extraArgs: [size, 1], placement: { kind: "pinned", machine: from } },
      { id: "recv", fn: "bench.recv", args: ["blob"], placement: { kind: "pinned", machine: to } },
    ]),
  );
  const transfer = await stack.client.watchRun(runId, () => undefined);
  const after = pids.map(processCounters);
  const [consumer, producer] = before.map((start, index) => ({
    cpuMs: ((after[index]?.cpuSeconds ?? Number.NaN) - (start?.cpuSeconds ?? Number.NaN)) * 1000,
    minorFaults: (after[index]?.minorFaults ?? Number.NaN) - (start?.minorFaults ?? Number.NaN),
  }));
  if (transfer?.status !== "succeeded") throw new Error(`transfer ${transfer?.status ?? "?"}`);
  const attempts = await stack.client.trpc.runs.attempts.query({ runId, taskId: "recv" });
  const recv = attempts[0]!;
  const fetchMs = (recv.metrics as { transfers?: { ms: number }[] } | null)?.transfers?.[0]?.ms;
  return { endToEndMs: Date.parse(recv.finishedAt!) - Date.parse(recv.startedAt!), fetchMs, consumer: consumer!, producer: producer! };
}

/**
 * `bytes` made on `from` as a stream of bytes (`bench.stream_bytes`) and taken on `to` as a stream (`bench.drain`): a
 * value larger than the agents' memory budget is never whole in memory. `fetchMs` is the move into `to`'s store (to
 * disk), as its agent measured it; `consumerMs` the consumer from assignment to result (fetch + reading the stream).
 */
export async function measureLargeValue(stack: Stack, bytes: number, from = "A", to = "B"): Promise<{ readonly fetchMs: number; readonly consumerMs: number }> {
  const { runId } = await stack.client.startRun(
    file("large-value", [
      { id: "blob", fn: "bench.stream_bytes", extraArgs: [bytes], placement: { kind: "pinned", machine: from } },
      { id: "drain", fn: "bench.drain", args: ["blob"], placement: { kind: "pinned", machine: to } },
    ]),
  );
  const run = await stack.client.watchRun(runId, () => undefined);
  if (run?.status !== "succeeded") throw new Error(`large value ${run?.status ?? "?"}: ${JSON.stringify(run?.failures ?? {}).slice(0, 500)}`);
  const [drain] = await stack.client.trpc.runs.attempts.query({ runId, taskId: "drain" });
  return { fetchMs: drain?.metrics?.fetched?.ms ?? Number.NaN, consumerMs: Date.parse(drain!.finishedAt!) - Date.parse(drain!.startedAt!) };
}

/**
 * `count` values of 1 KiB made on `from`, fanned into one `as_list` sink on `to`, as the sink's agent measured them:
 * `fetchMs` the fetch alone over every download (the first one's start to the last one's end: `fetched.ms`);
 * `inputsMs` the assignment's arrival to every input at hand; `beforeCallMs` the assignment's arrival to the call
 * (inputs and the hand-over to the worker); `downloads` how many it reported (all of them, not the first 1,000);
 * `endToEndMs` the server's assignment to result; `sinkCpuMs` the CPU time `to`'s agent process used during the run
 * (only the sink runs there: the assignment, the fetch, the hand-over and the call), from /proc (NaN elsewhere).
 */
export async function measureFanIn(
  stack: Stack,
  count: number,
  from = "A",
  to = "B",
): Promise<{ readonly fetchMs: number; readonly inputsMs: number; readonly beforeCallMs: number; readonly downloads: number; readonly endToEndMs: number; readonly sinkCpuMs: number }> {
  const tasks: Task[] = Array.from({ length: count }, (_, i) => ({ id: `k${i}`, fn: "bench.kib", extraArgs: [i], placement: { kind: "pinned", machine: from } }));
  tasks.push({ id: "sink", fn: "bench.total", args: tasks.map((task) => task.id), argumentInclusion: "as_list", placement: { kind: "pinned", machine: to } });
  const sinkPid = stack.agents.get(to)?.pid;
  const cpuBefore = processCpuSeconds(sinkPid);
  const { runId } = await stack.client.startRun(file("fan-in", tasks));
  const run = await stack.client.watchRun(runId, () => undefined);
  const cpuAfter = processCpuSeconds(sinkPid);
  if (run?.status !== "succeeded") {
    const detail = await stack.client.getRun(runId);
    const states = new Map<string, number>();
    for (const task of detail.tasks) states.set(task.state, (states.get(task.state) ?? 0) + 1);
    console.error(`fan-in ${detail.status}: task states ${JSON.stringify(Object.fromEntries(states))}; run ${JSON.stringify({ ...detail, tasks: undefined }).slice(0, 1000)}`);
    const failed = detail.tasks.filter((task) => task.state !== "succeeded").slice(0, 3);
    const errors = await Promise.all(failed.map(async (task) => (await stack.client.trpc.runs.attempts.query({ runId, taskId: task.taskId })).map((attempt) => `${task.taskId}: ${attempt.error?.kind ?? ""} ${attempt.error?.message ?? ""}`)));
    throw new Error(`fan-in ${run?.status ?? "?"}: ${errors.flat().join("; ").slice(0, 2000)}`);
  }
  const attempts = await stack.client.trpc.runs.attempts.query({ runId, taskId: "sink" });
  const sink = attempts[0]!;
  const metrics = sink.metrics;
  const endToEndMs = Date.parse(sink.finishedAt!) - Date.parse(sink.startedAt!);
  return {
    fetchMs: metrics?.fetched?.ms ?? Number.NaN,
    inputsMs: metrics?.inputsMs ?? Number.NaN,
    beforeCallMs: metrics?.beforeCallMs ?? Number.NaN,
    downloads: metrics?.fetched?.count ?? 0,
    endToEndMs,
    sinkCpuMs: cpuBefore === undefined || cpuAfter === undefined ? Number.NaN : (cpuAfter - cpuBefore) * 1000,
  };
}
