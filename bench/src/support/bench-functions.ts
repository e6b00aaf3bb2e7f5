import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** Writes the benches' function module (plain JavaScript, as an installed agent loads) and returns its path. */
export function writeBenchFunctions(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "handoff-bench-"));
  const file = path.join(dir, "bench-functions.mjs");
  writeFileSync(
    file,
    `import { defineFunction } from "@handoff/sdk";
export const noop = defineFunction({ name: "bench.noop", run: () => null });
export const count = defineFunction({ name: "bench.count", run: (items) => items.length });
export const recv = defineFunction({ name: "bench.recv", run: (bytes) => bytes.byteLength });
export const kib = defineFunction({ name: "bench.kib", run: (seed) => { const b = new Uint8Array(1024); b.fill(seed & 255); return b; } });
export const total = defineFunction({ name: "bench.total", run: (items) => items.reduce((sum, b) => sum + b.byteLength, 0) });
export const streamBytes = defineFunction({
  name: "bench.stream_bytes",
  run: (size) => (async function* () { const chunk = new Uint8Array(1 << 20).fill(7); for (let left = size; left > 0; left -= chunk.byteLength) yield left >= chunk.byteLength ? chunk : chunk.subarray(0, left); })(),
});
export const drain = defineFunction({
  name: "bench.drain",
  inputs: { kind: "named", names: ["data"], as: { data: "stream" } },
  run: async (data) => { let size = 0; for await (const chunk of data) size += chunk.byteLength; return size; },
});
`,
  );
  return file;
}
