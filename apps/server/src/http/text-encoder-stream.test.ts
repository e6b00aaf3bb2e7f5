import { describe, expect, it } from "vitest";
import { installTextEncoderStream, WholeChunkTextEncoderStream } from "./text-encoder-stream.ts";

// Node's own class, kept before anything installs ours: the reference (slow, but it follows the WHATWG algorithm).
const NativeTextEncoderStream = globalThis.TextEncoderStream;

async function encodeChunks(stream: TransformStream<string, Uint8Array> | TextEncoderStream, chunks: readonly string[]): Promise<Buffer> {
  const writer = stream.writable.getWriter();
  const reading = (async () => {
    const parts: Uint8Array[] = [];
    for await (const part of stream.readable as ReadableStream<Uint8Array>) parts.push(part);
    return Buffer.concat(parts);
  })();
  for (const chunk of chunks) await writer.write(chunk);
  await writer.close();
  return reading;
}

// Every split of these into two and three chunks, empty chunks included: pairs split between chunks, lone high and
// low surrogates at either end, a high surrogate followed by another, astral characters beside ASCII and BMP ones.
const samples = ["", "a", "héllo …", "😀", "a😀b", "\uD83D", "\uDE00", "\uD83D\uD83D\uDE00", "x\uDE00\uD83D", "\uD83Dx", "😀😀\uD83D", "€𝄞\uDBFF\uDFFF\uD800"];

function splits(text: string): string[][] {
  const out: string[][] = [[text]];
  for (let i = 0; i <= text.length; i++) {
    out.push([text.slice(0, i), text.slice(i)]);
    for (let j = i; j <= text.length; j++) out.push([text.slice(0, i), text.slice(i, j), text.slice(j)]);
  }
  return out;
}

describe("WholeChunkTextEncoderStream", () => {
  it("encodes every split of tricky strings exactly as Node's TextEncoderStream does", async () => {
    let compared = 0;
    for (const sample of samples) {
      for (const chunks of splits(sample)) {
        const expected = (await encodeChunks(new NativeTextEncoderStream(), chunks)).toString("hex");
        expect({ chunks, bytes: (await encodeChunks(new WholeChunkTextEncoderStream(), chunks)).toString("hex") }).toEqual({ chunks, bytes: expected });
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(150);
  });

  it("encodes a chunk of millions of characters with one encoder call", async () => {
    const text = `${"x".repeat(99)}…`.repeat(40_000);
    const bytes = await encodeChunks(new WholeChunkTextEncoderStream(), [text]);
    expect(bytes.equals(new TextEncoder().encode(text))).toBe(true);
  });

  it("is what the server's globalThis.TextEncoderStream is once installed", () => {
    installTextEncoderStream();
    expect(globalThis.TextEncoderStream).toBe(WholeChunkTextEncoderStream);
    expect(new TextEncoderStream().encoding).toBe("utf-8");
  });
});
