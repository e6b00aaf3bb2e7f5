import { createHash, randomFillSync } from "node:crypto";
import { fstatSync, openSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sendFile } from "./send-file.ts";

// A stored file sent through two reused blocks: every byte in order, the descriptor closed, and a short file or a
// receiver that goes away is an error, not a truncated answer.
const MiB = 2 ** 20;
const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "handoff-send-file-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fileOf(bytes: Uint8Array): Promise<number> {
  const path = join(dir, "value.bin");
  await writeFile(path, bytes);
  return openSync(path, "r");
}

const isOpen = (fd: number): boolean => {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
};

describe("sending a stored file", () => {
  it.each([
    ["0 B", 0],
    ["1 B", 1],
    ["4 MiB − 1", 4 * MiB - 1],
    ["4 MiB + 1", 4 * MiB + 1],
    ["19 MiB + 7 (blocks reused)", 19 * MiB + 7],
  ])("sends every byte of %s in order and closes the file", async (_label, size) => {
    const bytes = randomFillSync(new Uint8Array(size));
    const fd = await fileOf(bytes);
    const received: Buffer[] = [];
    const out = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _encoding, done) {
        setTimeout(() => {
          received.push(Buffer.from(chunk)); // read when the write ends: a block reused early shows here
          done();
        }, 20);
      },
    });

    await sendFile(fd, size, out);

    expect(sha256(Buffer.concat(received))).toBe(sha256(bytes));
    expect(isOpen(fd)).toBe(false);
  });

  it("fails when the file is shorter than the value's size", async () => {
    const fd = await fileOf(randomFillSync(new Uint8Array(5 * MiB)));
    await expect(sendFile(fd, 6 * MiB, new PassThrough().resume())).rejects.toThrow(/ended after 5242880 bytes/);
  });

  it("fails when the receiver goes away mid-value", async () => {
    const fd = await fileOf(randomFillSync(new Uint8Array(20 * MiB)));
    let seen = 0;
    const out = new Writable({
      write(chunk: Buffer, _encoding, done) {
        seen += chunk.byteLength;
        if (seen > 4 * MiB) out.destroy();
        else done();
      },
    });
    await expect(sendFile(fd, 20 * MiB, out)).rejects.toThrow();
    expect(seen).toBeLessThan(20 * MiB);
  });
});
