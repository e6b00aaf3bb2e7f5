import { parseFlags, UsageError } from "../args.ts";
import { connect } from "../connect.ts";

const resultsUsage = `handoff results recompute RUN TASK   recompute a finished run's lost value from lineage (a new run), and wait for it
(takes [--server URL] [--token TOKEN] [--no-wait])`;

export async function results(argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "--help" || sub === "help") {
    console.log(resultsUsage);
    return 0;
  }
  if (sub !== "recompute") throw new UsageError(`${sub === undefined ? "a results command is needed" : `unknown results command "${sub}"`}\n\n${resultsUsage}`);
  const { values, positionals } = parseFlags(rest, { server: { type: "string" }, token: { type: "string" }, "data-dir": { type: "string" }, "no-wait": { type: "boolean" } }, resultsUsage);
  const [runId, taskId] = positionals;
  if (runId === undefined || taskId === undefined || positionals.length > 2) throw new UsageError(`recompute needs a RUN id and a TASK id\n\n${resultsUsage}`);
  const client = connect(values);
  const wait = values["no-wait"] !== true;
  const started = await client.recompute(runId, taskId, { wait });
  console.log(`recomputing "${taskId}" of run ${runId} in run ${started.runId}`);
  if (!wait) return 0;
  const status = started.outcome?.status ?? "unknown";
  console.log(`run ${started.runId} ${status}${status === "succeeded" ? `: the value of "${taskId}" is readable from run ${runId} again` : ""}`);
  for (const failure of started.outcome?.failures ?? []) console.log(`  ${failure.taskId}: ${failure.kind}: ${failure.message}`);
  return status === "succeeded" ? 0 : 1;
}
