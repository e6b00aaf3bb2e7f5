import { readFileSync } from "node:fs";
import { Bounds, isTerminalTaskState } from "@handoff/core";
import { bindParams, parseDagFile } from "@handoff/protocol";
import { HandoffApiError } from "@handoff/sdk";
import type { TaskChangeView, WatchEvent } from "@handoff/api";
import { enumFlag, intFlag, parseFlags, UsageError } from "../args.ts";
import { connect } from "../connect.ts";
import { parseParamFlags } from "../param-flags.ts";
import { describeRetry, type PendingRetry } from "../retry-status.ts";
import { table, wrapText } from "../table.ts";

const usage = `handoff run DAG.json [--server URL] [--token TOKEN] [--data-dir DIR] [--strategy first_available|load_balanced]
           [--max-retries N] [--max-concurrency N] [--on-failure fail_fast|continue] [--timeout-ms N] [--param NAME=VALUE]...
Starts a run, shows live progress, and ends with a summary table. Exit code 0 when it succeeded.
--param gives a run parameter the DAG declares (repeatable), read as its type: --param n=3 --param tags='["a"]'.`;

export async function run(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      server: { type: "string" },
      token: { type: "string" },
      "data-dir": { type: "string" },
      strategy: { type: "string" },
      "max-retries": { type: "string" },
      "max-concurrency": { type: "string" },
      "on-failure": { type: "string" },
      "timeout-ms": { type: "string" },
      param: { type: "string", multiple: true },
    },
    usage,
  );
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError(`expected exactly one DAG file\n\n${usage}`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new UsageError(`${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = parseDagFile(raw);
  if (!parsed.ok) throw new UsageError(`${file} is not a valid DAG file:\n${parsed.issues.map((issue) => `  ${issue.path}: ${issue.message}`).join("\n")}`);
  const strategy = enumFlag(values.strategy, "strategy", ["first_available", "load_balanced"] as const);
  const onFailure = enumFlag(values["on-failure"], "on-failure", ["fail_fast", "continue"] as const);
  const maxRetries = intFlag(values["max-retries"], "max-retries", Bounds.maxRetries.min, Bounds.maxRetries.max);
  const maxConcurrency = intFlag(values["max-concurrency"], "max-concurrency", 1, 1_000_000);
  const timeoutMs = intFlag(values["timeout-ms"], "timeout-ms", 1, Bounds.timeoutMs.max);
  const params = parseParamFlags(values.param ?? [], parsed.dag.params ?? {});
  // Checked here as the server checks them (the same function), so a bad value is named before anything is sent.
  const bound = bindParams(parsed.dag, params);
  if (!bound.ok) throw new UsageError(`bad parameters:\n${bound.issues.map((issue) => `  ${issue.message}`).join("\n")}`);
  const client = connect(values);

  let runId: string;
  try {
    ({ runId } = await client.startRun(parsed.dag, {
      ...(strategy ? { strategy } : {}),
      ...(onFailure ? { onFailure } : {}),
      ...(maxRetries === undefined ? {} : { maxRetries }),
      ...(maxConcurrency === undefined ? {} : { maxConcurrency }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      ...(Object.keys(params).length === 0 ? {} : { params }),
    }));
  } catch (error) {
    if (error instanceof HandoffApiError && error.problems.length > 0) {
      console.error(`rejected:\n${error.problems.map((problem) => `  ${problem.kind}: ${problem.message}`).join("\n")}`);
      return 1;
    }
    if (error instanceof HandoffApiError && error.kind === "invalid_request") {
      console.error(`rejected: ${error.message}`);
      return 1;
    }
    throw error;
  }
  console.log(`run ${runId}`);

  const states = new Map<string, { state: string; machine: string; attempts: number; error: string }>();
  const { tasks } = bound.bound.file;
  const total = tasks.length;
  const inlineCount = tasks.filter((task) => task.type === "inline").length;
  const tty = process.stdout.isTTY;
  const retries = new Map<string, PendingRetry>();
  const draw = (): void => {
    const done = [...states.values()].filter((task) => isTerminalTaskState(task.state)).length + inlineCount;
    const width = 30;
    const filled = Math.round((done / Math.max(1, total)) * width);
    const next = [...retries.values()].sort((a, b) => a.retryAt - b.retryAt)[0];
    const line = `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} tasks${next ? ` · ${describeRetry(next, Date.now())}` : ""}`;
    if (tty) process.stdout.write(`\r${line}\x1b[K`);
  };
  // The countdown of a waiting retry moves on its own.
  const ticker = tty ? setInterval(() => retries.size > 0 && draw(), 1_000) : undefined;
  const onTaskChange = (change: TaskChangeView): void => {
    states.set(change.taskId, { state: change.state, machine: change.machine ?? states.get(change.taskId)?.machine ?? "", attempts: change.attempts, error: change.error?.message ?? "" });
    if (change.state === "retrying" && change.retryAt !== undefined) {
      const retry = { taskId: change.taskId, attempts: change.attempts, maxAttempts: change.maxAttempts, retryAt: change.retryAt };
      retries.set(change.taskId, retry);
      const why = change.error ? ` after ${change.error.kind}: ${change.error.message}` : "";
      if (!tty) console.log(`${describeRetry(retry, Date.now())}${why}`);
    } else {
      retries.delete(change.taskId);
    }
  };
  // One message per scheduler tick: the whole batch is applied, then the line is drawn once.
  const onMessage = (message: WatchEvent): void => {
    if (message.type === "snapshot") {
      for (const task of message.run.tasks) {
        states.set(task.taskId, { state: task.state, machine: task.machine ?? "", attempts: task.attempts, error: task.error?.message ?? "" });
        // Already waiting when the view started: the reason says when ("… (in 2000 ms)").
        if (!tty && task.state === "retrying" && task.reason) console.log(`${task.taskId}: ${task.reason}`);
      }
    } else {
      for (const event of message.events) if (event.type === "task") onTaskChange(event.change);
    }
    draw();
  };
  const outcome = await client.watchRun(runId, onMessage).finally(() => clearInterval(ticker));
  if (tty) process.stdout.write("\n");
  const view = await client.getRun(runId);
  console.log(
    table(
      ["task", "state", "machine", "attempts", "result / error"],
      view.tasks.map((task) => [
        task.taskId,
        task.inline ? "inline (per consumer)" : task.state,
        task.machine ?? "",
        String(task.attempts),
        task.error ? wrapText(`${task.error.kind}: ${task.error.message}`, 60) : previewCell(task.result?.preview ?? ""),
      ]),
    ),
  );
  console.log(`\n${outcome?.status ?? view.status} in ${view.durationMs ?? "?"} ms`);
  return (outcome?.status ?? view.status) === "succeeded" ? 0 : 1;
}

/** A result preview fits one line; errors are wrapped instead, never cut. */
function previewCell(preview: string): string {
  return preview.length > 60 ? `${preview.slice(0, 59)}…` : preview;
}
