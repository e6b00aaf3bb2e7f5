import { describe, expect, it } from "vitest";
import { createBatchRequestParser } from "./batch-request.ts";

/** A body split into chunks of `size` bytes, as a socket delivers it. */
function chunked(text: string, size: number): { chunks: Buffer[]; length: number } {
  const bytes = Buffer.from(text, "utf8");
  const chunks: Buffer[] = [];
  for (let start = 0; start < bytes.byteLength; start += size) chunks.push(bytes.subarray(start, start + size));
  return { chunks, length: bytes.byteLength };
}

describe("batch request bodies", () => {
  const grant = `${"a".repeat(5000)}.sig_-1`;
  const other = `${"a".repeat(5000)}.sig_-2`; // the same length and start: only the end differs
  const names = Array.from({ length: 50 }, (_, index) => `k${index}`);
  const bodies = [
    JSON.stringify({ grants: [grant], taskIds: names }),
    JSON.stringify({ grants: [other], taskIds: names }),
    JSON.stringify({ grants: [grant] }),
    JSON.stringify({ grants: [grant, other] }),
    JSON.stringify({ grants: [grant], taskIds: names, extra: 1 }),
    `{"grants":["${grant}"],"taskIds":["k1", "ké\\n"] }`,
    `{"grants":["${grant}"],"taskIds":[]}`,
  ];

  it("answers what JSON.parse of the whole body answers, whether the shared grant is recognised or not, in any chunking", () => {
    const parser = createBatchRequestParser();
    for (const round of ["before the grant is known", "after"]) {
      for (const body of bodies) {
        for (const size of [7, 4096, 1 << 20]) {
          const { grants, taskIds } = JSON.parse(body) as { grants?: unknown; taskIds?: unknown };
          const { chunks, length } = chunked(body, size);
          expect(parser.parse(chunks, length), `${round}, ${body.slice(-40)}, chunks of ${size}`).toEqual({ grants, taskIds });
        }
      }
      parser.remember(grant);
    }
  });

  it("refuses a malformed body as JSON.parse does, the known grant's bytes notwithstanding", () => {
    const parser = createBatchRequestParser();
    parser.remember(grant);
    for (const body of [`{"grants":["${grant}"],"taskIds":[1}`, `{"grants":["${grant}"],"taskIds":`, `{"grants":["${grant}"]`]) {
      const { chunks, length } = chunked(body, 1000);
      expect(() => parser.parse(chunks, length), body.slice(-30)).toThrow(SyntaxError);
    }
  });
});
