/**
 * The engine's own CPU per task, without sockets or agents (issue #15): the scheduler loop, the core and the
 * write-behind over a real SQLite (or PostgreSQL) database, a fake agent that reports every assignment as
 * succeeded `ANSWER_MS` (default 2) later. Prints, per round, process CPU per task (µs; the write-behind's
 * transactions apart on SQLite), the rows the write-behind wrote per task and its transactions, for `RUNS` (default 1) runs at once of 10k no-ops + a sink (`ROUNDS`, default 5; `WIDTH`, default 10,000).
 *
 * `npx tsx apps/server/scripts/engine-cpu.ts [sqlite|postgresql]`
 */
import { openTestDatabase } from "@handoff/db/testing";
import type { ChangeBatch } from "@handoff/db";
import type { TaskFinishedItem } from "@handoff/protocol";
import { loadavg } from "node:os";
import { createLogger } from "../src/log.ts";
import { Engine } from "../src/scheduler/engine.ts";
import { dagOf, helloFrom, RecordingLink, succeededItem, testConnection } from "../src/scheduler/engine.test-support.ts";

const provider = process.argv[2] === "postgresql" ? "postgresql" : "sqlite";
const rounds = Number(process.env["ROUNDS"] ?? 5);
const width = Number(process.env["WIDTH"] ?? 10_000);
/** Runs submitted at once per round (each `width` no-ops + a sink): their fixed cost shows against one run of the same total. */
const runCount = Math.max(1, Number(process.env["RUNS"] ?? 1));
/** How long the fake agent takes to answer an assignment message (ms): the round trip that lets ticks interleave. */
const answerMs = Number(process.env["ANSWER_MS"] ?? 2);

const fixture = await openTestDatabase(provider);
const rows = { tasks: 0, attempts: 0, writerMicros: 0, batches: 0 };
const runs = {
  ...fixture.db.runs,
  applyChanges: (batch: ChangeBatch) => {
    rows.batches += 1;
    rows.tasks += new Set((batch.tasks ?? []).map((row) => `${row.runId}/${row.taskId}`)).size;
    rows.attempts += new Set((batch.attempts ?? []).map((row) => row.id)).size;
    // SQLite writes the batch synchronously within this call (unless a Prisma transaction is open): its CPU is the writer's.
    const before = process.cpuUsage();
    const written = fixture.db.runs.applyChanges(batch);
    const cpu = process.cpuUsage(before);
    rows.writerMicros += cpu.user + cpu.system;
    return written;
  },
};
const engine = new Engine({ db: { ...fixture.db, runs }, log: createLogger("silent"), noMachineGraceMs: 60_000, machineTimeoutMs: 600_000, heartbeatMs: 1000 });
await engine.start();

/** An agent with 8 slots that answers each assignment message `answerMs` later. */
class AnsweringLink extends RecordingLink {
  override readonly send = ((event: string, payload: unknown) => {
    if (event !== "task:assign") return;
    const items = (payload as { items: { attemptId: string }[] }).items;
    setTimeout(() => engine.finished(name, this, items.map((item): TaskFinishedItem => succeededItem(item.attemptId, "1"))), answerMs);
  }) as RecordingLink["send"];
}
const name = "cpu-a";
const link = new AnsweringLink();
const joined = await engine.connectAgent(helloFrom(name, { capacity: { cpu: 8, slots: 8 } }), link, testConnection);
if (!joined.ok) throw new Error(joined.message);

const ids = Array.from({ length: width }, (_, i) => `t${i}`);
const { dag, file } = dagOf([...ids.map((id) => ({ id, fn: "std.constant", extraArgs: [1] })), { id: "sink", fn: "std.identity", args: ids, argumentInclusion: "as_list" }]);
for (let round = 0; round <= rounds; round++) {
  rows.tasks = rows.attempts = rows.writerMicros = rows.batches = 0;
  const before = process.cpuUsage();
  const runIds: string[] = [];
  for (let i = 0; i < runCount; i++) runIds.push(await engine.submit({ dag, file, options: {}, startedBy: null, dagId: null, dagVersion: null }));
  const outcomes = await Promise.all(runIds.map((runId) => engine.outcome(runId)));
  await engine.flushed();
  const cpu = process.cpuUsage(before);
  for (const outcome of outcomes) if (outcome?.status !== "succeeded") throw new Error(`run ended ${outcome?.status}`);
  const tasks = runCount * (width + 1);
  const per = (n: number) => (n / tasks).toFixed(2);
  console.log(`${round === 0 ? "warm-up" : `round ${round}`}: ${((cpu.user + cpu.system) / tasks).toFixed(1)} µs CPU per task (${runCount} × ${width + 1}; ${((cpu.user + cpu.system) / runCount / 1000).toFixed(2)} ms per run) (writer ${per(rows.writerMicros)}); rows per task: Task ${per(rows.tasks)}, Attempt ${per(rows.attempts)}; write-behind transactions ${rows.batches} (${(rows.batches / runCount).toFixed(2)} per run); load ${loadavg()[0]!.toFixed(1)}`);
}
await engine.stop();
await fixture.dispose();
