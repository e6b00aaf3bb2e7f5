import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { fetchResultBatch } from "./fetch-batch.ts";

let server: Server | undefined;

afterEach(async () => {
  const closing = server;
  server = undefined;
  if (closing === undefined) return;
  closing.closeAllConnections();
  await new Promise<void>((resolve) => closing.close(() => resolve()));
});

/** A stand-in holder (not our result server: it answers what an older or broken one would). */
async function holder(answer: (request: IncomingMessage, body: string, response: ServerResponse) => void): Promise<string> {
  const listening = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => answer(request, Buffer.concat(chunks).toString("utf8"), response));
  });
  server = listening;
  await new Promise<void>((resolve) => listening.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
}

/** Answers with a `Content-Length` (what the result server always sends, and the only answer the consumer reads). */
function send(response: ServerResponse, status: number, body: Buffer | string): void {
  response.writeHead(status, { "Content-Length": String(Buffer.byteLength(body)) }).end(body);
}

function batchAnswer(entries: unknown[], ...values: Uint8Array[]): Buffer {
  const header = Buffer.from(JSON.stringify(entries), "utf8");
  const length = Buffer.alloc(4);
  length.writeUInt32BE(header.byteLength);
  return Buffer.concat([length, header, ...values]);
}

describe("fetchResultBatch", () => {
  it("posts the grants (and names) as JSON with the proof, and reads the values in order", async () => {
    let seen: { method?: string; body?: string; proof?: string | string[] } = {};
    const url = await holder((request, body, response) => {
      seen = { method: request.method, body, proof: request.headers["x-handoff-proof"] };
      send(response, 200, batchAnswer([{ ok: true, size: 2, contentType: "application/octet-stream" }, { ok: false, error: { kind: "single" } }, { ok: true, size: 1, contentType: "application/json" }], Uint8Array.from([1, 2]), Buffer.from("7")));
    });
    const outcomes = await fetchResultBatch(url, ["g"], ({ grants, names }) => `proof-of-${[...grants, ...(names ?? [])].join(",")}`, ["a", "b", "c"]);
    expect(seen).toEqual({ method: "POST", body: JSON.stringify({ grants: ["g"], taskIds: ["a", "b", "c"] }), proof: "proof-of-g,a,b,c" });
    expect(outcomes?.map((outcome) => (outcome.ok ? [...outcome.bytes] : outcome.error.kind))).toEqual([[1, 2], "single", [55]]);
    expect(outcomes?.every((outcome) => !outcome.ok || (outcome.isSlab && outcome.bytes.buffer instanceof SharedArrayBuffer))).toBe(true);
  });

  it("answers undefined when the holder has no batch endpoint (an older agent: 404 or 405)", async () => {
    for (const status of [404, 405]) {
      const url = await holder((_request, _body, response) => send(response, status, '{"error":{"kind":"not_found","message":"no such route"}}'));
      expect(await fetchResultBatch(url, ["g1", "g2"])).toBeUndefined();
      server!.closeAllConnections();
      await new Promise<void>((resolve) => server!.close(() => resolve()));
    }
  });

  it("throws naming the status of any other refusal, and a malformed answer", async () => {
    let answer: Buffer | string = "boom";
    let status = 500;
    const url = await holder((_request, _body, response) => send(response, status, answer));
    await expect(fetchResultBatch(url, ["g"])).rejects.toThrow(/HTTP 500/);
    status = 200;
    answer = batchAnswer([{ ok: true, size: 5, contentType: "application/json" }], Buffer.from("1"));
    await expect(fetchResultBatch(url, ["g"])).rejects.toThrow(/malformed batch entry \(#0/);
    answer = batchAnswer([]);
    await expect(fetchResultBatch(url, ["g"])).rejects.toThrow(/answered 0 entries for 1 values/);
    answer = Buffer.from([0, 0, 1, 0, 32]);
    await expect(fetchResultBatch(url, ["g"])).rejects.toThrow(/batch header of 256 bytes in a 5-byte answer/);
  });
});
