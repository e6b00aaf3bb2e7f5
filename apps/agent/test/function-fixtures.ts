import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Function modules written into a fresh folder outside the repo (no node_modules there), like a user's. */
const TS_MODULE = `
import { currentTask, defineFunction } from "@handoff/sdk";
import { z } from "zod";

const maxSpinMs: number = 15_000;

export const spin = defineFunction({
  name: "test.spin",
  description: "Busy-loops for at least minMs and until the main thread raises the flag.",
  params: z.tuple([z.number()]),
  run: (flagBuffer: SharedArrayBuffer, minMs: number) => {
    const flag = new Int32Array(flagBuffer);
    const start = Date.now();
    while (Date.now() - start < maxSpinMs) {
      if (Date.now() - start >= minMs && Atomics.load(flag, 0) === 1) return true;
    }
    return false;
  },
});

export const stuck = defineFunction({
  name: "test.stuck",
  run: () => {
    console.log("entering the loop");
    for (;;) {
      // ignores its signal on purpose
    }
  },
});

export const boom = defineFunction({ name: "test.boom", run: () => { throw new Error("boom: bad input"); } });

export const exit = defineFunction({ name: "test.exit", run: () => process.exit(3) });

export const chatty = defineFunction({
  name: "test.chatty",
  run: async (x: number) => {
    console.log("hello", { x });
    currentTask().log.warn("careful");
    await new Promise((resolve) => setTimeout(resolve, 1));
    console.error("after await");
    const task = currentTask();
    return \`\${task.machine}:\${task.runId}/\${task.taskId}#\${task.attempt}\`;
  },
});

export const bytes = defineFunction({
  name: "test.bytes",
  run: (size: number) => {
    const out = new Uint8Array(size);
    for (let i = 0; i < size; i++) out[i] = i % 251;
    return out;
  },
});

export const spam = defineFunction({
  name: "test.spam",
  run: (lines: number, width = 0) => {
    for (let i = 0; i < lines; i++) console.log(\`line \${i}\` + "x".repeat(width));
    return lines;
  },
});

export const unstorable = defineFunction({ name: "test.nan", run: () => ({ ratio: Number.NaN }) });

export const waitForAbort = defineFunction({
  name: "test.wait_for_abort",
  run: () => new Promise((_, reject) => {
    const { signal } = currentTask();
    signal.addEventListener("abort", () => reject(new Error("stopped politely")), { once: true });
  }),
});
`;

const MJS_MODULE = `
import { defineFunction, defineFunctions } from "@handoff/sdk";

export const registry = defineFunctions(defineFunction({ name: "mjs.triple", run: (x) => x * 3 }));
export const notAFunction = { meta: { name: "nope" }, run: 1 };
export default 42;
`;

export type FunctionFolder = { readonly dir: string; readonly tsModule: string; readonly mjsModule: string; remove(): Promise<void> };

export async function writeFunctionModules(extra: Record<string, string> = {}): Promise<FunctionFolder> {
  const dir = await mkdtemp(join(tmpdir(), "handoff-fns-"));
  const tsModule = join(dir, "functions.ts");
  const mjsModule = join(dir, "more.mjs");
  await writeFile(tsModule, TS_MODULE);
  await writeFile(mjsModule, MJS_MODULE);
  for (const [name, text] of Object.entries(extra)) await writeFile(join(dir, name), text);
  return { dir, tsModule, mjsModule, remove: () => rm(dir, { recursive: true, force: true }) };
}
