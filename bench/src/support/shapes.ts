import type { Stack } from "@handoff/cli/testing";
import type { DagFile } from "@handoff/protocol";

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
};

/** Moves `size` bytes made on machine `from` into a function on machine `to` (a fresh run each time). */
export async function measureTransfer(stack: Stack, size: number, from = "A", to = "B"): Promise<TransferFigure> {
  const { runId } = await stack.client.startRun(
    file("transfer", [
      { id: "blob", fn: "std.bytes", extraArgs: [size, 1], placement: { kind: "pinned", machine: from } },
      { id: "recv", fn: "bench.recv", args: ["blob"], placement: { kind: "pinned", machine: to } },
    ]),
  );
  const transfer = await stack.client.watchRun(runId, () => undefined);
  if (transfer?.status !== "succeeded") throw new Error(`transfer ${transfer?.status ?? "?"}`);
  const attempts = await stack.client.trpc.runs.attempts.query({ runId, taskId: "recv" });
  const recv = attempts[0]!;
  const fetchMs = (recv.metrics as { transfers?: { ms: number }[] } | null)?.transfers?.[0]?.ms;
  return { endToEndMs: Date.parse(recv.finishedAt!) - Date.parse(recv.startedAt!), fetchMs };
}

/**
 * `count` values of 1 KiB made on `from`, fanned into one `as_list` sink on `to`. `fetchMs` is the sink's input fetch as
 * its agent measured it: from the assignment's arrival to every input at hand (`inputsMs`); `slowestTransferMs` the
 * slowest single download it reported (they run concurrently; the report keeps the first 1,000); `beforeCallMs` is
 * assignment to result minus the call's own wall time (grants, every fetch, the hand-over to the worker, the report).
 */
export async function measureFanIn(
  stack: Stack,
  count: number,
  from = "A",
  to = "B",
): Promise<{ readonly fetchMs: number; readonly slowestTransferMs: number; readonly beforeCallMs: number; readonly endToEndMs: number }> {
  const tasks: Task[] = Array.from({ length: count }, (_, i) => ({ id: `k${i}`, fn: "bench.kib", extraArgs: [i], placement: { kind: "pinned", machine: from } }));
  tasks.push({ id: "sink", fn: "bench.total", args: tasks.map((task) => task.id), argumentInclusion: "as_list", placement: { kind: "pinned", machine: to } });
  const { runId } = await stack.client.startRun(file("fan-in", tasks));
  const run = await stack.client.watchRun(runId, () => undefined);
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
  const metrics = sink.metrics as { transfers?: { ms: number }[]; wallMs?: number; inputsMs?: number } | null;
  const slowestTransferMs = (metrics?.transfers ?? []).reduce((slowest, t) => Math.max(slowest, t.ms), 0);
  const endToEndMs = Date.parse(sink.finishedAt!) - Date.parse(sink.startedAt!);
  return { fetchMs: metrics?.inputsMs ?? Number.NaN, slowestTransferMs, beforeCallMs: endToEndMs - (metrics?.wallMs ?? 0), endToEndMs };
}
