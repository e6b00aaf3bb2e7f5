import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { DagFile } from "@handoff/protocol";

/**
 * Function modules written to a temp folder OUTSIDE the repository: they import `@handoff/sdk`, which
 * must resolve to the agent's own copy (there is no node_modules next to them).
 */
export function writeFunctionModules(): { dir: string; mjs: string; ts: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "handoff-fns-"));
  const mjs = path.join(dir, "cluster-functions.mjs");
  writeFileSync(
    mjs,
    `import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { currentTask, defineFunction, defineTransform } from "@handoff/sdk";

const lines = (file) => (existsSync(file) ? readFileSync(file, "utf8").split("\\n").filter(Boolean).length : 0);

export const where = defineFunction({ name: "t.where", run: (...args) => ({ machine: currentTask().machine, args }) });
export const add = defineFunction({ name: "t.add", run: (...xs) => xs.reduce((a, b) => a + b, 0) });
export const double = defineFunction({ name: "t.double", run: (x) => x * 2 });
export const minus = defineFunction({ name: "t.minus", run: (a, b, c) => a - b - c });
export const collect = defineFunction({ name: "t.collect", run: (items, label) => label + ":" + JSON.stringify(items) });
export const countedInc = defineFunction({
  name: "t.counted_inc",
  run: (x, file) => { appendFileSync(file, currentTask().machine + "\\n"); return x + 1; },
});
export const flaky = defineFunction({
  name: "t.flaky",
  description: "Fails until it has been called \`failures\` times (counted in a file), then returns the attempt number",
  run: (file, failures) => {
    const calls = lines(file);
    appendFileSync(file, "call\\n");
    if (calls < failures) throw new Error("flake " + (calls + 1));
    return currentTask().attempt;
  },
});
export const failOnce = defineFunction({
  name: "t.fail_once",
  description: "Counts its calls in a file: the first one throws, later ones return x * 10",
  run: (x, file) => {
    const calls = lines(file);
    appendFileSync(file, currentTask().machine + "\\n");
    if (calls === 0) throw new Error("first call fails");
    return x * 10;
  },
});
export const boom = defineFunction({ name: "t.boom", run: (_input, message) => { throw new Error(message); } });
export const hang = defineFunction({
  name: "t.hang",
  run: (file) =>
    new Promise((_, reject) => {
      appendFileSync(file, "started\\n");
      currentTask().signal.addEventListener("abort", () => { appendFileSync(file, "aborted\\n"); reject(new Error("aborted")); });
    }),
});
export const slow = defineFunction({
  name: "t.slow",
  run: async (ms, value) => { await new Promise((r) => setTimeout(r, ms)); return { machine: currentTask().machine, value }; },
});
export const slowInc = defineFunction({
  name: "t.slow_inc",
  description: "Writes start, waits ms, writes done (to a file), returns x + 1",
  run: async (x, ms, file) => {
    appendFileSync(file, "start " + currentTask().machine + "\\n");
    await new Promise((r) => setTimeout(r, ms));
    appendFileSync(file, "done " + currentTask().machine + "\\n");
    return x + 1;
  },
});
export const hangFirst = defineFunction({
  name: "t.hang_first",
  description: "Attempt 1 hangs until aborted (writing started/aborted to a file); later attempts return their number",
  run: (file) => {
    if (currentTask().attempt > 1) return currentTask().attempt;
    appendFileSync(file, "started\\n");
    return new Promise((_, reject) => {
      currentTask().signal.addEventListener("abort", () => { appendFileSync(file, "aborted\\n"); reject(new Error("aborted")); });
    });
  },
});
export const countedSleep = defineFunction({
  name: "t.counted_sleep",
  description: "Waits ms, then writes its label (one line per completed call) to a file and returns x + 1",
  run: async (x, ms, file, label) => { await new Promise((r) => setTimeout(r, ms)); appendFileSync(file, label + "\\n"); return x + 1; },
});
export const pauseAdd = defineFunction({
  name: "t.pause_add",
  description: "Waits its last argument in ms, then returns the sum of the others",
  run: async (...xs) => { await new Promise((r) => setTimeout(r, xs[xs.length - 1])); return xs.slice(0, -1).reduce((a, b) => a + b, 0); },
});
export const checksum = defineFunction({
  name: "t.checksum",
  run: (bytes) => ({ size: bytes.byteLength, sha256: createHash("sha256").update(bytes).digest("hex"), machine: currentTask().machine }),
});
export const deep = defineFunction({
  name: "t.deep",
  description: "Returns a value nested \`levels\` lists deep",
  run: (levels) => { let value = "bottom"; for (let i = 0; i < levels; i++) value = [value]; return value; },
});
export const tag = defineTransform({
  name: "t.tag",
  run: (value, from, to, label) => value + "|" + label + "@" + currentTask().machine + ":" + from + "->" + to,
});
`,
  );
  const ts = path.join(dir, "typed-functions.ts");
  writeFileSync(
    ts,
    `import { currentTask, defineFunction } from "@handoff/sdk";

export const greet = defineFunction({
  name: "ts.greet",
  description: "Greets someone, from a TypeScript module outside the repository",
  run: (name: string): string => {
    currentTask().log.info("greeting", name);
    return \`hello \${name} from \${currentTask().machine}\`;
  },
});
`,
  );
  return { dir, mjs, ts };
}

type Task = DagFile["tasks"][number];

export function dagFile(name: string, tasks: readonly Task[], extra: Partial<DagFile> = {}): DagFile {
  return { format: "handoff.dag", version: 1, name, tasks: [...tasks], ...extra };
}

export function tempFile(label: string): string {
  return path.join(mkdtempSync(path.join(tmpdir(), `handoff-${label}-`)), "count.txt");
}
