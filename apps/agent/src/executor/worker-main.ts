import { format } from "node:util";
import { performance } from "node:perf_hooks";
import { parentPort, type TransferListItem } from "node:worker_threads";
import { valueDepthProblem } from "@handoff/core";
import { formatPath } from "@handoff/protocol";
import { callTransform, findCurrentTask, isNonRetryable, runWithTaskContext, type FunctionRegistry } from "@handoff/sdk";
import { loadFunctionModules } from "../functions/load-modules.ts";
import { describeError as describe } from "../describe-error.ts";
import { evaluateCall } from "./evaluate-call.ts";
import { WorkerTaskContext } from "./worker-task-context.ts";
import { isByteStream, writeByteStream } from "./byte-streams.ts";
import { heapUsedMb, type FromWorker, type StreamedResult, type ToWorker, type WorkerMetrics } from "./worker-messages.ts";

// One executor worker: loads the function modules once, then runs one job at a time (the pool never sends a second
// job before `done`), so the thread's event-loop active time during a job is that job's CPU time (approximately).

const port = parentPort;
if (port === null) throw new Error("worker-main.ts must run in a worker thread");

const MAX_LOG_CHARS = 16 * 1024;
let registry: FunctionRegistry | undefined;
let machine = "";
const contexts = new Map<number, WorkerTaskContext>();

const post = (message: FromWorker, transfer: TransferListItem[] = []): void => port.postMessage(message, transfer);

function logLine(jobId: number, level: "info" | "warn" | "error", parts: unknown[]): void {
  let message = format(...parts);
  if (message.length > MAX_LOG_CHARS) message = `${message.slice(0, MAX_LOG_CHARS - 1)}…`;
  post({ type: "log", jobId, level, message, at: Date.now() });
}

// console.* inside a function becomes the attempt's log; outside any attempt it goes to the agent's own output.
for (const [method, level] of [["log", "info"], ["info", "info"], ["debug", "info"], ["warn", "warn"], ["error", "error"]] as const) {
  const original = console[method].bind(console);
  console[method] = (...parts: unknown[]) => {
    const jobId = WorkerTaskContext.jobIdOf(findCurrentTask());
    if (jobId === undefined) original(...parts);
    else logLine(jobId, level, parts);
  };
}

async function runJob(
  jobId: number,
  fields: { runId: string; taskId: string; attempt: number },
  body: (registry: FunctionRegistry) => unknown,
  outputPath?: string,
): Promise<void> {
  const context = new WorkerTaskContext(jobId, fields, machine, logLine);
  contexts.set(jobId, context);
  const startedAt = performance.now();
  const loopBefore = performance.eventLoopUtilization();
  const metrics = (): WorkerMetrics => ({
    wallMs: performance.now() - startedAt,
    cpuMs: performance.eventLoopUtilization(loopBefore).active,
    heapUsedMb: heapUsedMb(),
  });
  try {
    const loaded = registry;
    if (loaded === undefined) throw new Error("worker received a job before its modules were loaded");
    const value = await runWithTaskContext(context, async () => {
      const returned = await body(loaded);
      if (!isByteStream(returned)) return returned;
      // A result given as a stream of bytes goes to a file chunk by chunk (within the task's context: the stream's
      // code runs as it is read), never whole in memory; the store takes the file in.
      if (outputPath === undefined) throw new Error("only a task's function may return a stream of bytes (not an edge transform)");
      return new StreamedMark(await writeByteStream(returned, outputPath, context.signal));
    });
    if (value instanceof StreamedMark) {
      post({ type: "done", jobId, ok: true, value: null, streamed: value.result, metrics: metrics() });
      return;
    }
    // Structured clone recurses: a value nested 100,000 levels would overflow the stack on its way out.
    const deep = valueDepthProblem(value);
    if (deep !== null) {
      post({ type: "done", jobId, ok: false, kind: "function_failed", message: `the function returned a value that ${deep.message} at ${formatPath(deep.path)}`, metrics: metrics() });
      return;
    }
    const leaving = ownedBytes(value);
    const done: FromWorker = { type: "done", jobId, ok: true, value: leaving, metrics: metrics() };
    try {
      post(done, transferable(leaving));
    } catch (error) {
      post({ type: "done", jobId, ok: false, kind: "function_failed", message: `the function returned a value that cannot leave its worker: ${describe(error)}`, metrics: metrics() });
    }
  } catch (error) {
    post({ type: "done", jobId, ok: false, kind: isNonRetryable(error) ? "non_retryable" : "function_failed", message: describe(error), metrics: metrics() });
  } finally {
    contexts.delete(jobId);
  }
}

class StreamedMark {
  constructor(readonly result: StreamedResult) {}
}

// A returned byte array that is a view of part of a larger buffer leaves as a copy of its own bytes (the one copy),
// transferred: posted as it is, structured clone would copy the whole buffer, and the store would keep all of it.
function ownedBytes(value: unknown): unknown {
  if (!(value instanceof Uint8Array) || value.buffer instanceof SharedArrayBuffer) return value;
  return value.byteOffset === 0 && value.byteLength === value.buffer.byteLength ? value : value.slice();
}

// A returned byte array that owns its whole buffer moves to the main thread instead of being copied.
function transferable(value: unknown): TransferListItem[] {
  if (value instanceof Uint8Array && value.byteOffset === 0 && value.buffer instanceof ArrayBuffer && value.byteLength === value.buffer.byteLength) {
    return [value.buffer];
  }
  return [];
}


port.on("message", (message: ToWorker) => {
  switch (message.type) {
    case "init":
      machine = message.machine;
      void loadFunctionModules(message.modules).then(
        (loaded) => {
          if (!loaded.ok) return post({ type: "init_failed", error: loaded.error });
          registry = loaded.registry;
          post({ type: "ready", functions: loaded.registry.list() });
        },
        (error: unknown) => post({ type: "init_failed", error: { kind: "module_failed", file: "", message: describe(error) } }),
      );
      return;
    case "run": {
      const { call } = message;
      void runJob(message.jobId, call, (loaded) => evaluateCall(loaded, machine, call), call.outputPath);
      return;
    }
    case "transform": {
      const { call } = message;
      void runJob(message.jobId, { runId: call.runId, taskId: call.taskId, attempt: 0 }, (loaded) =>
        callTransform(loaded, { fn: call.fn, args: call.args }, call.value, call.source, call.target),
      );
      return;
    }
    case "abort":
      contexts.get(message.jobId)?.abort(new Error(message.reason));
      return;
  }
});
