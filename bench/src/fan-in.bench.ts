/**
 * 10,000 values of 1 KiB made on A, fanned into one `as_list` sink on B, as B's agent measured them: the fetch alone
 * over every download (first start to last end), the assignment's arrival to every input at hand, and to the call.
 * Repeated (medians and spread). `HANDOFF_BENCH_PROFILE=dir` writes the agents' CPU profiles there (node --cpu-prof).
 * Run: `npx -y pnpm@10.34.9 --filter @handoff/bench exec tsx src/fan-in.bench.ts [repetitions] [count]`
 */
import { startStack } from "@handoff/cli/testing";
import { writeBenchFunctions } from "./support/bench-functions.ts";
import { fmt, loadAverage, summarize } from "./support/stats.ts";
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
  const inputs: number[] = [];
  const beforeCall: number[] = [];
  const sinkCpu: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    const figure = await measureFanIn(stack, count);
    if (figure.downloads !== count) throw new Error(`the sink reported ${figure.downloads} downloads of ${count}`);
    fetch.push(figure.fetchMs);
    inputs.push(figure.inputsMs);
    beforeCall.push(figure.beforeCallMs);
    sinkCpu.push(figure.sinkCpuMs);
    console.log(`  #${i + 1}: fetch of all ${fmt(figure.downloads, 0)} ${fmt(figure.fetchMs, 0)} ms; arrival to inputs at hand ${fmt(figure.inputsMs, 0)} ms; to the call ${fmt(figure.beforeCallMs, 0)} ms; server's assignment to result ${fmt(figure.endToEndMs, 0)} ms; sink agent's CPU ${fmt(figure.sinkCpuMs, 0)} ms (load ${loadAverage()})`);
  }
  console.log(`${count.toLocaleString("en")} × 1 KiB from A into one sink on B: the fetch ${summarize(fetch, 0).text} ms (target ≤ 300); inputs at hand ${summarize(inputs, 0).text} ms; assignment to call ${summarize(beforeCall, 0).text} ms; sink agent's CPU ${summarize(sinkCpu, 0).text} ms (load ${loadAverage()})`);
} finally {
  await stack.stop();
}
