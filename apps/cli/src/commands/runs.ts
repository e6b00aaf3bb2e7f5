import { parseFlags, UsageError } from "../args.ts";
import { connect } from "../connect.ts";

const runsUsage = `handoff runs rerun RUN                       run a finished run's DAG again, whole
handoff runs rerun RUN --from failed         re-run from failure: reuse its succeeded results where they are, run the rest
handoff runs rerun RUN --from-task T [...]   run task T (repeatable) and everything downstream, reusing the rest
(takes [--server URL] [--token TOKEN] [--no-wait])`;

export async function runs(argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "--help" || sub === "help") {
    console.log(runsUsage);
    return 0;
  }
  if (sub !== "rerun") throw new UsageError(`${sub === undefined ? "a runs command is needed" : `unknown runs command "${sub}"`}\n\n${runsUsage}`);
  const { values, positionals } = parseFlags(
    rest,
    { server: { type: "string" }, token: { type: "string" }, "data-dir": { type: "string" }, "no-wait": { type: "boolean" }, from: { type: "string" }, "from-task": { type: "string", multiple: true } },
    runsUsage,
  );
  const [runId] = positionals;
  if (runId === undefined || positionals.length > 1) throw new UsageError(`rerun needs one RUN id\n\n${runsUsage}`);
  if (values.from !== undefined && values.from !== "failed") throw new UsageError(`--from takes "failed" (got "${values.from}"); name tasks with --from-task T\n\n${runsUsage}`);
  const tasks = values["from-task"] ?? [];
  if (values.from !== undefined && tasks.length > 0) throw new UsageError(`--from failed and --from-task are exclusive\n\n${runsUsage}`);
  const from = values.from === "failed" ? ("failed" as const) : tasks.length > 0 ? tasks : undefined;
  const client = connect(values);
  const wait = values["no-wait"] !== true;
  const started = await client.rerun(runId, { ...(from === undefined ? {} : { from }), wait });
  console.log(`run ${started.runId} re-runs ${runId}: runs ${started.run.length} task(s), reuses ${started.reused.length}${started.reused.length > 0 ? ` (${started.reused.join(", ")})` : ""}`);
  for (const entry of started.notReused) console.log(`  ${entry.taskId} runs again: ${entry.reason}`);
  if (!wait) return 0;
  const outcome = "outcome" in started ? started.outcome : undefined;
  const status = outcome?.status ?? "unknown";
  console.log(`run ${started.runId} ${status}`);
  for (const failure of outcome?.failures ?? []) console.log(`  ${failure.taskId}: ${failure.kind}: ${failure.message}`);
  return status === "succeeded" ? 0 : 1;
}
