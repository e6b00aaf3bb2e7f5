import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "@handoff/cli/testing";
import { dagFile } from "./fixtures.ts";

// Issue #13: a value larger than the agents' memory budget is produced as a stream of bytes, moves between agents and
// reaches functions that take it as a stream or as a file, without ever being whole in memory: the agents' peak
// resident memory (VmHWM, which counts their worker threads) grows by far less than the value. Checked by hash.
const MiB = 2 ** 20;
const size = 300 * MiB;
const budgetMb = 64;

const chunkOf = (index: number, seed: number): Buffer => {
  const chunk = Buffer.alloc(MiB, (index * 31 + seed) & 255);
  chunk.writeUInt32BE(index, 0);
  return chunk;
};

function writeModule(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "handoff-large-"));
  const file = path.join(dir, "large-functions.mjs");
  writeFileSync(
    file,
    `import { createHash } from "node:crypto";
import { createReadStream, statSync } from "node:fs";
import { currentTask, defineFunction } from "@handoff/sdk";

const chunkOf = ${chunkOf.toString()};
const MiB = ${MiB};
export const produce = defineFunction({
  name: "big.produce",
  run: (size, seed) => (async function* () { for (let i = 0; i * MiB < size; i++) yield chunkOf(i, seed).subarray(0, Math.min(MiB, size - i * MiB)); })(),
});
const hashOf = async (readable) => { const hash = createHash("sha256"); let size = 0; for await (const chunk of readable) { hash.update(chunk); size += chunk.byteLength; } return { size, sha256: hash.digest("hex") }; };
export const hashStream = defineFunction({
  name: "big.hash_stream",
  inputs: { kind: "named", names: ["data"], as: { data: "stream" } },
  run: async (data) => ({ ...(await hashOf(data)), isStream: typeof data.pipe === "function", machine: currentTask().machine }),
});
export const hashPath = defineFunction({
  name: "big.hash_path",
  inputs: { kind: "named", names: ["data"], as: { data: "path" } },
  run: async (file) => ({ ...(await hashOf(createReadStream(file))), fileSize: statSync(file).size, machine: currentTask().machine }),
});
export const whole = defineFunction({
  name: "big.whole",
  run: (bytes) => ({ size: bytes.byteLength, sha256: createHash("sha256").update(bytes).digest("hex"), isBytes: bytes instanceof Uint8Array }),
});
`,
  );
  return file;
}

function expectedHash(bytes: number, seed: number): string {
  const hash = createHash("sha256");
  for (let i = 0; i * MiB < bytes; i++) hash.update(chunkOf(i, seed).subarray(0, Math.min(MiB, bytes - i * MiB)));
  return hash.digest("hex");
}

function peakRssMiB(pid: number | undefined): number {
  const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid ?? 0}/status`, "utf8"))?.[1];
  return Number(kib) / 1024;
}

describe.runIf(process.platform === "linux")("when a value larger than the memory budget goes from a streaming producer to stream and file consumers", () => {
  let stack: Stack;
  const module = writeModule();
  const agent = (name: string) => ({ name, capacity: { cpu: 2, slots: 2 }, functions: [module], extraArgs: ["--memory-budget-mb", String(budgetMb)] });

  beforeAll(async () => {
    stack = await startStack({ agents: [agent("a"), agent("b")] });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("moves it intact while each agent's peak memory grows by well under the value's size", { timeout: 300_000 }, async () => {
    // Warm both agents (a worker thread each, the modules loaded) so the peaks compared below are the transfer's.
    const warm = await stack.client.execute(
      dagFile("warm", [
        { id: "small", fn: "big.produce", extraArgs: [3 * MiB + 5, 1], placement: { kind: "pinned", machine: "a" } },
        { id: "whole", fn: "big.whole", args: ["small"], placement: { kind: "pinned", machine: "b" } },
        { id: "streamed", fn: "big.hash_stream", args: ["small"], placement: { kind: "pinned", machine: "b" } },
      ]),
      { materialize: true },
    );
    expect(warm.status).toBe("succeeded");
    // A streamed result is an ordinary value to a function that takes it whole; a small one streams from memory.
    expect(warm.results["whole"]).toEqual({ size: 3 * MiB + 5, sha256: expectedHash(3 * MiB + 5, 1), isBytes: true });
    expect(warm.results["streamed"]).toMatchObject({ size: 3 * MiB + 5, sha256: expectedHash(3 * MiB + 5, 1), isStream: true });

    const before = { a: peakRssMiB(stack.agents.get("a")?.pid), b: peakRssMiB(stack.agents.get("b")?.pid) };
    const outcome = await stack.client.execute(
      dagFile("large", [
        { id: "blob", fn: "big.produce", extraArgs: [size, 7], placement: { kind: "pinned", machine: "a" } },
        { id: "stream", fn: "big.hash_stream", args: ["blob"], placement: { kind: "pinned", machine: "b" } },
        { id: "file", fn: "big.hash_path", args: ["blob"], placement: { kind: "pinned", machine: "b" } },
        { id: "local", fn: "big.hash_stream", args: ["blob"], placement: { kind: "pinned", machine: "a" } },
      ]),
      { materialize: true },
    );
    const after = { a: peakRssMiB(stack.agents.get("a")?.pid), b: peakRssMiB(stack.agents.get("b")?.pid) };
    expect(outcome.status, JSON.stringify(outcome.failures)).toBe("succeeded");
    expect(outcome.materialized?.["blob"]).toMatchObject({ as: "reference", size });

    const sha256 = expectedHash(size, 7);
    expect(outcome.results["stream"]).toEqual({ size, sha256, isStream: true, machine: "b" });
    expect(outcome.results["file"]).toEqual({ size, sha256, fileSize: size, machine: "b" });
    expect(outcome.results["local"]).toEqual({ size, sha256, isStream: true, machine: "a" });
    // Held whole even once, the value would add 300 MiB to a peak (taken whole by a function: +950 MiB measured). Chunks
    // that wait for the garbage collector in three threads (the agent, two workers) measured +60 to +140 MiB.
    const growth = { a: after.a - before.a, b: after.b - before.b };
    expect(growth.a, `peak RSS before ${JSON.stringify(before)}, after ${JSON.stringify(after)} (MiB)`).toBeLessThan((size / MiB) * (2 / 3));
    expect(growth.b, `peak RSS before ${JSON.stringify(before)}, after ${JSON.stringify(after)} (MiB)`).toBeLessThan((size / MiB) * (2 / 3));
  });
});
