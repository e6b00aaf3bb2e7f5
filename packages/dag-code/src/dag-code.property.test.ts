import { parseDagFile } from "@handoff/protocol";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { arbitraryDagFile } from "./arbitrary-dag-file.ts";
import { exportDagCode } from "./export-dag-code.ts";
import { importDagCode } from "./import-dag-code.ts";
import { normalizedJson } from "./normalized-json.ts";

describe("a DAG exported as code and imported back", () => {
  it("is the same DAG (normalized JSON, positions included)", () => {
    fc.assert(
      fc.property(arbitraryDagFile, (file) => {
        expect(parseDagFile(file).ok).toBe(true);
        const read = importDagCode(exportDagCode(file));
        if (!read.ok) throw new Error(`refused its own export: ${JSON.stringify(read.problems)}`);
        expect(normalizedJson(read.dag)).toBe(normalizedJson(file));
      }),
    );
  }, 60_000);

  it("exports to the same text again (the output is deterministic and a fixed point)", () => {
    fc.assert(
      fc.property(arbitraryDagFile, (file) => {
        const code = exportDagCode(file);
        const read = importDagCode(code);
        expect(read.ok && exportDagCode(read.dag)).toBe(code);
      }),
    );
  }, 60_000);
});
