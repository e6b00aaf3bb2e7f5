import { createHash, randomFillSync } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { directGet } from "./direct-get.ts";

// A body received into the ring of reused blocks over a real socket: what the writer is handed, in what order, with
// how many writes at once, and what happens when a write or the connection fails.
const MiB = 2 ** 20;
const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((done) => server?.close(done) ?? done(undefined));
  server = undefined;
});

/** Serves `body` (announcing `announced` bytes), cutting the connection after `cutAfter` bytes when given. */
async function serve(body: Uint8Array, options: { announced?: number; cutAfter?: number } = {}): Promise<URL> {
  server = createServer((_request, response) => {
    response.writeHead(200, { "Content-Length": String(options.announced ?? body.byteLength) });
    if (options.cutAfter === undefined) return void response.end(body);
    response.write(body.subarray(0, options.cutAfter), () => response.socket?.destroy());
  });
  await new Promise<void>((done) => server!.listen(0, "127.0.0.1", done));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/value`);
}

type Written = { readonly position: number; readonly bytes: Uint8Array };

describe("a body received into reused blocks", () => {
  it("hands every byte to the writer once, at its offset, reusing no block before its write ends, four writes at most", async () => {
    const body = randomFillSync(new Uint8Array(37 * MiB + 3));
    const url = await serve(body);
    const written: Written[] = [];
    let writing = 0;
    let mostAtOnce = 0;
    let ended: Error | undefined | "not yet" = "not yet";
    // No write ends until four are waiting (or the last block came): the reader must stall with every block busy.
    const held: (() => void)[] = [];

    const answer = await directGet({
      url,
      headers: {},
      sinkFor: () => ({
        kind: "blocks",
        write: async (bytes, position) => {
          writing += 1;
          mostAtOnce = Math.max(mostAtOnce, writing);
          const released = new Promise<void>((release) => held.push(release));
          if (held.length === 4 || position + bytes.byteLength === body.byteLength) for (const release of held.splice(0)) release();
          await released;
          await sleep(20); // time for a reader that reused a block early to overwrite it
          written.push({ position, bytes: bytes.slice() }); // read at the write's end: a block reused early shows here
          writing -= 1;
        },
        onEnd: (error) => (ended = error),
      }),
    });

    expect(answer.status).toBe(200);
    expect(ended).toBeUndefined();
    expect(mostAtOnce).toBe(4);
    const received = new Uint8Array(body.byteLength);
    let covered = 0;
    for (const { position, bytes } of written.sort((a, b) => a.position - b.position)) {
      expect(position).toBe(covered);
      received.set(bytes, position);
      covered += bytes.byteLength;
    }
    expect(covered).toBe(body.byteLength);
    expect(sha256(received)).toBe(sha256(body));
  });

  it("fails with the writer's error, starts no write after it, and ends only once the started writes have", async () => {
    const url = await serve(randomFillSync(new Uint8Array(40 * MiB)));
    let writes = 0;
    let writing = 0;
    let writingWhenEnded = -1;
    let ended: Error | undefined;

    const fetched = directGet({
      url,
      headers: {},
      sinkFor: () => ({
        kind: "blocks",
        write: async () => {
          writes += 1;
          writing += 1;
          await sleep(writes === 2 ? 1 : 20);
          writing -= 1;
          if (writes === 2) throw new Error("disk full");
        },
        onEnd: (error) => {
          ended = error;
          writingWhenEnded = writing;
        },
      }),
    });

    await expect(fetched).rejects.toThrow("disk full");
    const writesAtFailure = writes;
    await sleep(50);
    expect(writes).toBe(writesAtFailure);
    expect(writes).toBeLessThanOrEqual(4);
    expect(ended?.message).toBe("disk full");
    expect(writingWhenEnded).toBe(0);
  });

  it("fails when the connection is cut mid-body, after the started writes end", async () => {
    const url = await serve(randomFillSync(new Uint8Array(12 * MiB)), { cutAfter: 9 * MiB });
    let writing = 0;
    let writingWhenEnded = -1;
    let ended: Error | undefined;

    const fetched = directGet({
      url,
      headers: {},
      sinkFor: () => ({
        kind: "blocks",
        write: async () => {
          writing += 1;
          await sleep(10);
          writing -= 1;
        },
        onEnd: (error) => {
          ended = error;
          writingWhenEnded = writing;
        },
      }),
    });

    await expect(fetched).rejects.toThrow(/closed the connection mid-answer|ECONNRESET|socket hang up/);
    expect(ended).toBeInstanceOf(Error);
    expect(writingWhenEnded).toBe(0);
  });

  it("receives an empty body without a write", async () => {
    const url = await serve(new Uint8Array());
    let writes = 0;
    let ended: Error | undefined | "not yet" = "not yet";
    await directGet({ url, headers: {}, sinkFor: () => ({ kind: "blocks", write: async () => void (writes += 1), onEnd: (error) => (ended = error) }) });
    expect(writes).toBe(0);
    expect(ended).toBeUndefined();
  });
});
