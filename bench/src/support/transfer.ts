import type { Stack } from "@handoff/cli/testing";
import type { DagFile } from "@handoff/protocol";

type Task = DagFile["tasks"][number];
const file = (name: string, tasks: Task[]): DagFile => ({ format: "handoff.dag", version: 1, name, tasks });

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

/** 10,000 values of 1 KiB made on `from`, fanned into one `as_list` sink on `to`: the sink's input fetch (ms). */
export async function measureFanIn(stack: Stack, count: number, from = "A", to = "B"): Promise<{ readonly fetchMs: number; readonly endToEndMs: number }> {
  const tasks: Task[] = Array.from({ length: count }, (_, i) => ({ id: `k${i}`, fn: "bench.kib", extraArgs: [i], placement: { kind: "pinned", machine: from } }));
  tasks.push({ id: "sink", fn: "bench.total", args: tasks.map((task) => task.id), argumentInclusion: "as_list", placement: { kind: "pinned", machine: to } });
  const { runId } = await stack.client.startRun(file("fan-in", tasks));
  const run = await stack.client.watchRun(runId, () => undefined);
  if (run?.status !== "succeeded") throw new Error(`fan-in ${run?.status ?? "?"}`);
  const attempts = await stack.client.trpc.runs.attempts.query({ runId, taskId: "sink" });
  const sink = attempts[0]!;
  const transfers = (sink.metrics as { transfers?: { ms: number }[] } | null)?.transfers ?? [];
  // Inputs are fetched concurrently: the input fetch took as long as the slowest of them.
  const fetchMs = transfers.reduce((slowest, t) => Math.max(slowest, t.ms), 0);
  return { fetchMs, endToEndMs: Date.parse(sink.finishedAt!) - Date.parse(sink.startedAt!) };
}
