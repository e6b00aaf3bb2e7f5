import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../bin/handoff.mjs", import.meta.url));
const example = fileURLToPath(new URL("../../../examples/word-count.dag.json", import.meta.url));
const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", env: { ...process.env, HANDOFF_TOKEN: "" } });
const dir = mkdtempSync(path.join(tmpdir(), "handoff-dag-code-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Each test spawns the real CLI (node → tsx → the command), which took up to 40 s of wall clock per process under
// CI's full load; the round trip spawns three, and once took longer than the default 120 s.
describe("handoff dag export and import, through the real CLI", { timeout: 360_000 }, () => {
  it("exports a DAG file as SDK code and imports it back to the same file", () => {
    const code = path.join(dir, "word-count.ts");
    const back = path.join(dir, "word-count.json");
    const exported = cli("dag", "export", example, "-o", code);
    expect(exported.stderr).toBe("");
    expect(exported.status).toBe(0);
    expect(readFileSync(code, "utf8")).toMatch(/^import \{ Dag(, edge)? \} from "@handoff\/sdk";\n\nexport const dag = new Dag\("word-count"/);
    const imported = cli("dag", "import", code, "-o", back);
    expect(imported.stderr).toBe("");
    expect(imported.status).toBe(0);
    expect(JSON.parse(readFileSync(back, "utf8"))).toEqual(JSON.parse(readFileSync(example, "utf8")));
    // Without -o the same text goes to stdout.
    expect(cli("dag", "export", example).stdout).toBe(readFileSync(code, "utf8"));
  });

  it("refuses code it cannot follow, naming file, line and column, and writes nothing", () => {
    const bad = path.join(dir, "bad.ts");
    const out = path.join(dir, "bad.json");
    writeFileSync(bad, 'import { Dag } from "@handoff/sdk";\n\nexport const dag = new Dag("x")\n  .addTask({ id: makeId(), fn: "std.constant" });\n');
    const result = cli("dag", "import", bad, "-o", out);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`${bad}:4:18: found a call to \`makeId()\`: only literals are read (the module is parsed, never run)`);
    expect(existsSync(out)).toBe(false);
  });

  it("names the line and column of a DAG file that is not JSON", () => {
    const bad = path.join(dir, "bad.json");
    writeFileSync(bad, '{\n  "name": "x"\n  "tasks": []\n}\n');
    const result = cli("dag", "export", bad);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^${bad.replace(/[.\\/]/g, "\\$&")}:3:3: not valid JSON: ',' expected\\.`));
  });

  it("names the path of a DAG file that is JSON but not a DAG", () => {
    const bad = path.join(dir, "wrong.json");
    writeFileSync(bad, JSON.stringify({ format: "handoff.dag", version: 1, name: "x", tasks: [{ id: "a", fn: "std.x", cots: {} }] }));
    const result = cli("dag", "export", bad);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('tasks[0].cots: task "a": cots: unknown field');
  });

  it("answers --help with its usage", () => {
    const result = cli("dag", "--help");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^handoff dag export DAG\.json/);
  });
});
