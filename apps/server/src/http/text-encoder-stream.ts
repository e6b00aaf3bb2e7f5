/**
 * A `TextEncoderStream` that encodes each chunk with one `TextEncoder.encode` call. Node 20's own
 * (`lib/internal/webstreams/encoding.js`) walks every chunk one UTF-16 unit at a time, appending each to a string:
 * 0.65 µs of CPU per character on these machines, worse as the garbage collector walks the growing string. tRPC sends
 * every SSE event through `new TextEncoderStream()`, so one 9.5 M-character event (a failed 10,000-task run's
 * outcome) held the server's event loop for minutes: agents' heartbeats unread, connections left in the listen queue,
 * `/healthz` unanswered. tRPC looks the class up on `globalThis` for each response, so the server installs this one
 * before it serves (`installTextEncoderStream`).
 *
 * Same output as the WHATWG "encode and enqueue a chunk" algorithm: a high surrogate ending a chunk waits for the next
 * chunk (a pair split across chunks is encoded as one code point); any unpaired surrogate becomes U+FFFD (which
 * `TextEncoder.encode` does itself), and one still waiting at the end is flushed as U+FFFD.
 */
const REPLACEMENT_CHARACTER = Uint8Array.of(0xef, 0xbf, 0xbd);

function isHighSurrogate(codeUnit: number): boolean {
  return codeUnit >= 0xd800 && codeUnit <= 0xdbff;
}

export class WholeChunkTextEncoderStream extends TransformStream<string, Uint8Array> {
  readonly encoding = "utf-8";

  constructor() {
    const encoder = new TextEncoder();
    let pendingHighSurrogate = "";
    super({
      transform(chunk, controller) {
        let text = pendingHighSurrogate + String(chunk);
        pendingHighSurrogate = "";
        if (text.length > 0 && isHighSurrogate(text.charCodeAt(text.length - 1))) {
          pendingHighSurrogate = text.slice(-1);
          text = text.slice(0, -1);
        }
        if (text.length > 0) controller.enqueue(encoder.encode(text));
      },
      flush(controller) {
        if (pendingHighSurrogate !== "") controller.enqueue(REPLACEMENT_CHARACTER.slice());
      },
    });
  }
}

/** Puts `WholeChunkTextEncoderStream` on `globalThis` as `TextEncoderStream` (idempotent). */
export function installTextEncoderStream(): void {
  if (globalThis.TextEncoderStream !== WholeChunkTextEncoderStream) {
    (globalThis as { TextEncoderStream: unknown }).TextEncoderStream = WholeChunkTextEncoderStream;
  }
}
