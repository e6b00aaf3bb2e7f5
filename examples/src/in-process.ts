import { executeLocal } from "@handoff/sdk";
import { functions, wordCountDag } from "./pipeline.ts";

const texts = [
  "The quick brown fox jumps over the lazy dog",
  "The dog sleeps; the fox runs",
  "A fox, a dog and the moon",
];

const outcome = await executeLocal(wordCountDag(texts), {
  functions,
  onTaskChange: (change) => console.log(`  ${change.taskId.padEnd(8)} ${change.state}`),
});
console.log(`\nrun ${outcome.runId}: ${outcome.status}`);
if (outcome.status === "succeeded") console.log("top words:", JSON.stringify(outcome.results["top"]));
else console.log(JSON.stringify({ failures: outcome.failures, problems: outcome.problems }, null, 2));
process.exitCode = outcome.status === "succeeded" ? 0 : 1;
