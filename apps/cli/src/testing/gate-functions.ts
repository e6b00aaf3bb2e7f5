import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { defineFunction, defineFunctions } from "@handoff/sdk";

/** The longest a gate waits: a spec that never opens it fails its task instead of hanging the suite. */
const GATE_LIMIT_MS = 120_000;

/**
 * A task that runs exactly as long as the spec wants: it returns `value` once the spec has created `file`.
 * A spec that must see a task running (not just its end) opens the gate after it has looked: a fixed sleep
 * ended before a slow page had loaded (a test that failed by chance under load).
 */
export const gate = defineFunction({
  name: "e2e.gate",
  description: "Waits until the file exists, then returns the value (browser specs only)",
  run: async (file: string, value: unknown) => {
    for (const start = Date.now(); !existsSync(file); await sleep(50)) {
      if (Date.now() - start > GATE_LIMIT_MS) throw new Error(`the gate ${file} was not opened within ${GATE_LIMIT_MS} ms`);
    }
    return value;
  },
});

export const functions = defineFunctions(gate);
