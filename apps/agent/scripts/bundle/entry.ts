// Entry of the single-file agent (`dist/handoff-agent.mjs`, built by scripts/bundle.mjs). The same file runs twice
// over: as the `handoff-agent` command on the main thread, and as each executor worker (the bundle's executor starts
// `new Worker(<this file>, { workerData: { handoffRole: "executor-worker" } })`), so it needs no file beside it.
import nodeModule from "node:module";
import { isMainThread, workerData } from "node:worker_threads";
import { pathToFileURL } from "node:url";

/** `workerData.handoffRole` of the executor's workers in the bundle (scripts/bundle.mjs writes it into executor.ts). */
export const EXECUTOR_WORKER_ROLE = "executor-worker";

// Function modules load through `module.register` hooks (Node 20.6 and later): say so instead of failing later.
if (typeof nodeModule.register !== "function") {
  process.stderr.write(`handoff-agent: needs Node.js 20.6 or later; this is ${process.version}\n`);
  process.exit(1);
}

const role = isMainThread ? undefined : (workerData as { handoffRole?: unknown } | null | undefined)?.handoffRole;

if (role === EXECUTOR_WORKER_ROLE) {
  const { startExecutorWorker } = await import("./executor-worker.ts");
  await startExecutorWorker();
} else if (isMainThread) {
  const { runAgentCli } = await import("../../src/cli.ts");
  // In the bundle cli.ts shares this file's import.meta.url, so it starts itself when this file is the main script;
  // started another way (a symlink, an import), it is started here.
  const startsItself = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
  if (!startsItself) await runAgentCli(process.argv.slice(2));
} else {
  throw new Error(`handoff-agent.mjs was started in a worker thread with workerData.handoffRole ${JSON.stringify(role)}; expected "${EXECUTOR_WORKER_ROLE}"`);
}
