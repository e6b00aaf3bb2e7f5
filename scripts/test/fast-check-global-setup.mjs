// Once per package run: choose the fast-check seed (FC_SEED replays one) and the run count (FC_NUM_RUNS),
// print them, and hand them to every test file (fast-check-setup.mjs applies them).
export default function setup(project) {
  const seed = readInt("FC_SEED") ?? ((Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0);
  const numRuns = readInt("FC_NUM_RUNS") ?? project.getProvidedContext().fcDefaultRuns ?? 100;
  console.log(`fast-check: seed ${seed}, ${numRuns} runs per property (replay: FC_SEED=${seed} FC_NUM_RUNS=${numRuns})`);
  project.provide("fcSeed", seed);
  project.provide("fcNumRuns", numRuns);
}

function readInt(name) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, got "${raw}"`);
  if (name === "FC_NUM_RUNS" && (value < 1 || value > 1_000_000)) throw new Error(`FC_NUM_RUNS must be 1…1000000, got ${value}`);
  return value;
}
