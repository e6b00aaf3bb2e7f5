/**
 * 10,000 values of 1 KiB made on A, fanned into one `as_list` sink on B: the sink's input fetch (assignment's arrival
 * to every input at hand, as B's agent measured it), the slowest single download, and assignment to call. Repeated
 * (medians and spread). `HANDOFF_BENCH_PROFILE=dir` writes the agents' CPU profiles there (node --cpu-prof).
 * Run: `npx -y pnpm@10.34.9 --filter @handoff/bench exec tsx src/fan-in.bench.ts [repetitions] [count]`
 */
import { startStack } from "@handoff/cli/testing";
import { writeBenchFunctions } from "./support/bench-functions.ts";
import { fmt, summarize } from "./support/stats.ts";
import { measureFanIn } from "./support/shapes.ts";

const repetitions = Math.min(20, Math.max(1, Number(process.argv[2] ?? 3) || 3));
const count = Math.min(100_000, Math.max(1, Number(process.argv[3] ?? 10_000) || 10_000));
const profileDir = process.env["HANDOFF_BENCH_PROFILE"];
const functions = writeBenchFunctions();
const hook = new URL("./support/cpu-profile-hook.mjs", import.meta.url).pathname;
const env = profileDir === undefined ? undefined : { NODE_OPTIONS: `--import ${hook}`, HANDOFF_BENCH_PROFILE: profileDir };
const stack = await startStack({
  localMachine: "A",
  verbose: process.env["HANDOFF_BENCH_VERBOSE"] === "1",
  agents: ["A", "B"].map((name) => ({ name, capacity: { cpu: 4, slots: 4 }, functions: [functions], ...(env === undefined ? {} : { env }) })),
});
try {
  await measureFanIn(stack, 100); // warm-up
  const fetch: number[] = [];
  const slowest: number[] = [];
  const beforeCall: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    const figure = await measureFanIn(stack, count);
    fetch.push(figure.fetchMs);
    slowest.push(figure.slowestTransferMs);
    beforeCall.push(figure.beforeCallMs);
    console.log(`  #${i + 1}: input fetch ${fmt(figure.fetchMs, 0)} ms; slowest download ${fmt(figure.slowestTransferMs, 0)} ms; assignment to call ${fmt(figure.beforeCallMs, 0)} ms; to result ${fmt(figure.endToEndMs, 0)} ms`);
  }
  console.log(`${count.toLocaleString("en")} × 1 KiB from A into one sink on B: input fetch ${summarize(fetch, 0).text} ms (target ≤ 300); slowest download ${summarize(slowest, 0).text} ms; assignment to call ${summarize(beforeCall, 0).text} ms`);
} finally {
  await stack.stop();
}
