import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const RULES = new Set(["@typescript-eslint/no-restricted-imports", "handoff/no-import-cycle", "react-hooks/rules-of-hooks", "react-hooks/exhaustive-deps"]);

// The repository's own eslint.config.mjs, limited to the rules under test; snippets need no type information.
const eslint = new ESLint({
  cwd: repoRoot,
  ignore: false,
  overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
  ruleFilter: ({ ruleId }) => RULES.has(ruleId),
});

/** The rule ids ESLint reports for `code` placed at `file` (relative to the repository root). */
async function problems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(repoRoot, file) });
  if (result === undefined) throw new Error(`ESLint returned no result for ${file}`);
  const fatal = result.messages.find((message) => message.fatal === true);
  if (fatal !== undefined) throw new Error(`${file}: ${fatal.message}`);
  return result.messages.map((message) => message.ruleId ?? "(none)");
}

const BOUNDARY = "@typescript-eslint/no-restricted-imports";

describe("when packages/core imports something", () => {
  it.each([
    ['import { z } from "zod";', "a third-party package"],
    ['import { readFileSync } from "node:fs";', "a node builtin"],
    ['import { DagFile } from "@handoff/protocol";', "another workspace package"],
  ])("fails lint on %s (%s)", async (code) => {
    expect(await problems("packages/core/src/lint-fixture.ts", code)).toEqual([BOUNDARY]);
  });

  it("passes its own files", async () => {
    expect(await problems("packages/core/src/lint-fixture.ts", 'import type { TaskId } from "./dag/names.ts";')).toEqual([]);
  });

  it("lets its tests use vitest and fast-check, and nothing else", async () => {
    expect(await problems("packages/core/src/lint-fixture.test.ts", 'import fc from "fast-check";\nimport { it } from "vitest";')).toEqual([]);
    expect(await problems("packages/core/src/lint-fixture.test.ts", 'import { z } from "zod";')).toEqual([BOUNDARY]);
  });
});

describe("when packages/protocol imports another of our packages", () => {
  it("fails lint for any but core", async () => {
    expect(await problems("packages/protocol/src/lint-fixture.ts", 'import { openDatabase } from "@handoff/db";')).toEqual([BOUNDARY]);
    expect(await problems("packages/protocol/src/lint-fixture.ts", 'import { startServer } from "@handoff/server";')).toEqual([BOUNDARY]);
  });

  it("passes core and its third-party dependencies", async () => {
    expect(await problems("packages/protocol/src/lint-fixture.ts", 'import { Bounds } from "@handoff/core";\nimport { z } from "zod";')).toEqual([]);
  });
});

describe("when a package imports an app", () => {
  it.each([
    ['import { startServer } from "@handoff/server";', "its code"],
    ['import type { AppRouter } from "@handoff/server/router";', "even a type"],
    ['import { startAgent } from "@handoff/agent";', "another app"],
    ['import { main } from "../../../apps/server/src/main.ts";', "by relative path"],
  ])("fails lint on %s (%s)", async (code) => {
    expect(await problems("packages/db/src/lint-fixture.ts", code)).toEqual([BOUNDARY]);
  });
});

describe("when apps/web imports the API", () => {
  it("passes type-only imports from @handoff/api and @handoff/server", async () => {
    expect(await problems("apps/web/src/lint-fixture.ts", 'import type { AppRouter } from "@handoff/api";')).toEqual([]);
    expect(await problems("apps/web/src/lint-fixture.ts", 'export type { AppRouter } from "@handoff/server/router";')).toEqual([]);
  });

  it("fails lint on a value import from either", async () => {
    expect(await problems("apps/web/src/lint-fixture.ts", 'import { appRouter } from "@handoff/api";')).toEqual([BOUNDARY]);
    expect(await problems("apps/web/src/lint-fixture.ts", 'import { startServer } from "@handoff/server";')).toEqual([BOUNDARY]);
  });
});

describe("when modules import each other in a cycle", () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(repoRoot, "tests/lint-rules/.cycle-fixture-"));
    await writeFile(join(folder, "a.ts"), 'import type { B } from "./b.ts";\nexport type A = { b?: B };\n');
    await writeFile(join(folder, "b.ts"), 'import type { C } from "./c.ts";\nexport type B = { c?: C };\n');
    await writeFile(join(folder, "c.ts"), 'import type { A } from "./a.ts";\nexport type C = { a?: A };\n');
    await writeFile(join(folder, "leaf.ts"), "export type Leaf = string;\n");
    await writeFile(join(folder, "user.ts"), 'import type { Leaf } from "./leaf.ts";\nexport type User = Leaf;\n');
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it("fails lint with the whole cycle, type-only imports included", async () => {
    const [result] = await eslint.lintFiles([join(folder, "a.ts")]);
    const cycle = result?.messages.filter((message) => message.ruleId === "handoff/no-import-cycle") ?? [];
    const name = (file: string) => relative(repoRoot, join(folder, file));
    expect(cycle.map((message) => message.message)).toEqual([
      `import cycle: ${name("a.ts")} → ${name("b.ts")} → ${name("c.ts")} → ${name("a.ts")}. Move the shared piece into a module both can import.`,
    ]);
  });

  it("passes imports that lead nowhere back", async () => {
    const [result] = await eslint.lintFiles([join(folder, "user.ts")]);
    expect(result?.messages).toEqual([]);
  });
});

describe("when a component breaks the rules of hooks", () => {
  const file = "apps/web/src/lint-fixture.tsx";
  it("fails lint on a hook called under a condition", async () => {
    const code = 'import { useState } from "react";\nexport function Box({ on }: { on: boolean }) {\n  if (on) useState(0);\n  return null;\n}\n';
    expect(await problems(file, code)).toEqual(["react-hooks/rules-of-hooks"]);
  });

  it("fails lint on an effect that misses a dependency", async () => {
    const code = 'import { useEffect } from "react";\nexport function Box({ id }: { id: string }) {\n  useEffect(() => console.log(id), []);\n  return null;\n}\n';
    expect(await problems(file, code)).toEqual(["react-hooks/exhaustive-deps"]);
  });

  it("passes an effect that lists what it reads", async () => {
    const code = 'import { useEffect } from "react";\nexport function Box({ id }: { id: string }) {\n  useEffect(() => console.log(id), [id]);\n  return null;\n}\n';
    expect(await problems(file, code)).toEqual([]);
  });
});
