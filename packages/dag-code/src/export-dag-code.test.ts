import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { DagFile } from "@handoff/protocol";
import fc from "fast-check";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { arbitraryDagFile } from "./arbitrary-dag-file.ts";
import { exportDagCode } from "./export-dag-code.ts";
import { normalizedJson } from "./normalized-json.ts";

const thumbnails: DagFile = {
  format: "handoff.dag",
  version: 1,
  name: "thumbnails",
  description: "Make a thumbnail and measure it",
  tasks: [
    { id: "load", fn: "std.bytes", extraArgs: [65536, { $bytes: "AAEC" }], cost: { cpu: 1 }, position: { x: 0, y: -12.5 }, label: "Load image" },
    {
      id: "resize",
      fn: "image.resize",
      args: [{ from: "load", encode: { fn: "std.identity_edge" }, decode: { fn: "std.pick", args: ["a long argument that does not fit on one line with the rest"] } }, "load"],
      placement: { kind: "pinned", machine: "gpu-1" },
      retryBackoff: { initialMs: 500, factor: 2 },
      retryOn: ["timeout"],
    },
    { position: { x: 240, y: 0 }, type: "inline", fn: "std.length", id: "size", args: [{ from: "resize" }] },
  ],
};

describe("when a DAG is exported as code", () => {
  it("writes SDK calls with the fields in the file format's order, literals inline when they fit", () => {
    expect(exportDagCode(thumbnails)).toBe(`import { Dag, edge } from "@handoff/sdk";

export const dag = new Dag("thumbnails", { description: "Make a thumbnail and measure it" })
  .addTask({
    id: "load",
    fn: "std.bytes",
    extraArgs: [65536, { $bytes: "AAEC" }],
    cost: { cpu: 1 },
    position: { x: 0, y: -12.5 },
    label: "Load image",
  })
  .addTask({
    id: "resize",
    fn: "image.resize",
    args: [
      edge("load", {
        encode: "std.identity_edge",
        decode: {
          fn: "std.pick",
          args: ["a long argument that does not fit on one line with the rest"],
        },
      }),
      "load",
    ],
    placement: { kind: "pinned", machine: "gpu-1" },
    retryBackoff: { initialMs: 500, factor: 2 },
    retryOn: ["timeout"],
  })
  .addTask({
    id: "size",
    fn: "std.length",
    args: [edge("resize")],
    type: "inline",
    position: { x: 240, y: 0 },
  });
`);
  });

  it("writes a DAG without tasks as its constructor alone", () => {
    expect(exportDagCode({ format: "handoff.dag", version: 1, name: "empty", tasks: [] })).toBe('import { Dag } from "@handoff/sdk";\n\nexport const dag = new Dag("empty");\n');
  });
});

describe("when the exported module is run with the SDK", () => {
  // Inside the package, so the module's `@handoff/sdk` import resolves as it would in a user's project.
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(path.join(path.dirname(fileURLToPath(import.meta.url)), "..", ".exported-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let count = 0;

  it("builds the DAG it was exported from (the code means what the importer reads)", async () => {
    const numRuns = Math.min(fc.readConfigureGlobal().numRuns ?? 100, 25);
    await fc.assert(
      fc.asyncProperty(arbitraryDagFile, async (file) => {
        const modulePath = path.join(dir, `dag-${count++}.ts`);
        writeFileSync(modulePath, exportDagCode(file));
        const built = (await import(pathToFileURL(modulePath).href)) as { dag: { toJSON(): unknown } };
        expect(normalizedJson(built.dag.toJSON())).toBe(normalizedJson(file));
      }),
      { numRuns },
    );
    // Up to 25 fresh modules, each transformed and imported: seconds under a loaded CI (5 s timed out there once).
  }, 120_000);
});

describe("when the exported module is type-checked against the SDK", () => {
  it("compiles without errors (every field kind, edges with and without transforms)", () => {
    const dir = mkdtempSync(path.join(path.dirname(fileURLToPath(import.meta.url)), "..", ".exported-"));
    try {
      const modulePath = path.join(dir, "thumbnails.ts");
      const every: DagFile = {
        ...thumbnails,
        strategy: "load_balanced",
        onFailure: "continue",
        tasks: [
          ...thumbnails.tasks,
          { id: "d", fn: "f", args: [], extraArgs: [null, [true, -0], "x"], argumentInclusion: "variadic", type: "regular", placement: { kind: "auto" }, maxRetries: 1, retryBackoff: { initialMs: 0, maxMs: 9 }, timeoutMs: 5 },
          { id: "e", fn: "f", placement: { kind: "collocated", with: "d" }, retryOn: ["function_failed", "timeout"] },
        ],
      };
      writeFileSync(modulePath, exportDagCode(every));
      const program = ts.createProgram([modulePath], {
        target: ts.ScriptTarget.ES2023,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        allowImportingTsExtensions: true,
        types: ["node"],
      });
      const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, " "));
      expect(problems).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // A whole program: the SDK's types reach the server's router (about 8 s of CPU, more on a busy machine).
  }, 180_000);
});
