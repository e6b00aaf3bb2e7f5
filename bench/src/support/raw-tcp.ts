import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

/** The block both sides move in: the agents' own (`apps/agent/src/results/body-blocks.ts`, `BLOCK_BYTES`). */
const BLOCK_BYTES = 4 * 2 ** 20;

/**
 * Where raw TCP's receiver puts the bytes:
 * - `"memory"`: read straight into one buffer of the whole size, allocated for this transfer (what an agent does with a
 *   value within its memory budget);
 * - `"file"`: read into two reused blocks, each written to a new file at its offset while the other fills (what an
 *   agent does with a value over its budget; no fsync, as ours);
 * - `"wire"`: read into two reused blocks and nothing kept (the loopback's own speed, an upper bound no receiver that
 *   stores the value reaches: it never touches new memory).
 */
export type RawTcpKeep = "memory" | "file" | "wire";

/**
 * Raw loopback TCP, the transfer benches' one baseline: a child Node process writes `bytes` in 4 MiB writes of one
 * reused block; this process reads them with `onread` straight into where `keep` says (no stream, no allocation per
 * read), the way an agent must keep the value. Timed from the first byte received to the last one kept (MiB/s).
 */
export async function rawTcpMiBs(bytes: number, keep: RawTcpKeep = "memory"): Promise<number> {
  const child = spawn(process.execPath, ["-e", senderScript(bytes)], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (code) => reject(new Error(`the raw TCP sender exited (${code ?? "signal"}) before listening`)));
      createInterface({ input: child.stdout }).once("line", (line) => resolve(Number(line)));
    });
    return await receive(port, bytes, keep);
  } finally {
    child.kill();
  }
}

function senderScript(bytes: number): string {
  return `const s=require("net").createServer((c)=>{const b=Buffer.alloc(${BLOCK_BYTES},7);let left=${bytes};const w=()=>{while(left>0){const n=Math.min(left,b.length);left-=n;if(!c.write(n===b.length?b:b.subarray(0,n))){c.once("drain",w);return;}}c.end();};w();}).listen(0,"127.0.0.1",()=>console.log(s.address().port));`;
}

async function receive(port: number, bytes: number, keep: RawTcpKeep): Promise<number> {
  const dir = keep === "file" ? mkdtempSync(join(tmpdir(), "handoff-raw-tcp-")) : undefined;
  const file: FileHandle | undefined = dir === undefined ? undefined : await open(join(dir, "value"), "wx", 0o600);
  try {
    return await new Promise<number>((resolve, reject) => {
      const whole = keep === "memory" ? Buffer.allocUnsafeSlow(Math.max(1, bytes)) : undefined;
      const blocks = whole === undefined ? [Buffer.allocUnsafeSlow(BLOCK_BYTES), Buffer.allocUnsafeSlow(BLOCK_BYTES)] : [];
      let writing: Promise<void> = Promise.resolve(); // the other block's write (file only)
      let index = 0;
      let filled = 0; // bytes in the current block
      let received = 0;
      let started = 0n;
      const finish = (): void => {
        socket.destroy();
        resolve(bytes / 2 ** 20 / (Number(process.hrtime.bigint() - started) / 1e9));
      };
      const flush = (last: boolean): void => {
        const block = blocks[index]!.subarray(0, filled);
        const at = received - filled;
        index ^= 1;
        filled = 0;
        const previous = writing;
        writing = previous.then(() => writeAll(file!, block, at));
        writing.catch(reject);
        if (last) void writing.then(finish);
        else {
          // The next block is the one `previous` was writing: read on once it is free.
          socket.pause();
          void previous.then(() => socket.resume());
        }
      };
      const socket = connect({
        port,
        host: "127.0.0.1",
        onread: {
          buffer: () => (whole !== undefined ? whole.subarray(Math.min(received, whole.byteLength - 1)) : blocks[index]!.subarray(filled)),
          callback: (read: number) => {
            if (received === 0) started = process.hrtime.bigint();
            received += read;
            filled += read;
            if (file !== undefined) {
              if (filled === BLOCK_BYTES || received >= bytes) flush(received >= bytes);
              return true;
            }
            if (filled === BLOCK_BYTES) {
              filled = 0;
              index ^= 1;
            }
            if (received >= bytes) finish();
            return true;
          },
        },
      });
      socket.once("error", reject);
    });
  } finally {
    await file?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
}

async function writeAll(file: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  for (let written = 0; written < bytes.byteLength; ) written += (await file.write(bytes, written, bytes.byteLength - written, position + written)).bytesWritten;
}
