import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOIN_TOKEN, startTestServer, type TestServer } from "../test/test-server.ts";
import { parseAgentArgs } from "./parse-agent-args.ts";

let dir: string;
const base = ["--server", "http://server:3000"];
const env = { HANDOFF_JOIN_TOKEN: "tok" };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "handoff-cli-"));
  await writeFile(join(dir, "a.ts"), "export {};\n");
  await writeFile(join(dir, "b.mjs"), "export {};\n");
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function errorOf(argv: string[]): { flag: string; message: string } | undefined {
  const parsed = parseAgentArgs(argv, dir, env);
  return parsed.ok ? undefined : parsed.error;
}

describe("when the agent's flags are valid", () => {
  it("reads every flag, in both --flag value and --flag=value forms", () => {
    const parsed = parseAgentArgs(
      [...base, "--name=gpu-1", "--capacity", "cpu=8,memory=16000,gpu=1,slots=3", "--functions", "a.ts", "b.mjs", "--data-dir", "data", "--memory-budget-mb", "64", "--result-host", "10.0.0.5", "--result-port=7081"],
      dir,
      env,
    );
    expect(parsed).toEqual({
      ok: true,
      args: {
        serverUrl: "http://server:3000",
        token: "tok",
        name: "gpu-1",
        capacity: { cpu: 8, memory: 16000, gpu: 1, slots: 3 },
        functions: [join(dir, "a.ts"), join(dir, "b.mjs")],
        dataDir: join(dir, "data"),
        memoryBudgetMb: 64,
        resultHost: "10.0.0.5",
        resultPort: 7081,
      },
    });
  });

  it("reads the join token from a file or HANDOFF_JOIN_TOKEN, and the data dir from HANDOFF_AGENT_DATA_DIR", () => {
    expect(parseAgentArgs([...base, "--token-file", "tok.txt"], dir, { HANDOFF_AGENT_DATA_DIR: "/srv/agent" })).toEqual({
      ok: true,
      args: { serverUrl: "http://server:3000", tokenFile: join(dir, "tok.txt"), functions: [], dataDir: "/srv/agent" },
    });
    expect(parseAgentArgs(base, dir, {})).toEqual({ ok: true, args: { serverUrl: "http://server:3000", functions: [] } });
  });

  it("reads --no-pre-assign as taking no dependent before its input exists (on by default)", () => {
    const parsed = parseAgentArgs([...base, "--no-pre-assign"]);
    expect(parsed.ok && "args" in parsed ? parsed.args.preAssign : parsed).toBe(false);
    const plain = parseAgentArgs(base);
    expect(plain.ok && "args" in plain ? plain.args.preAssign : plain).toBeUndefined();
  });

  it("reads --ahead as the attempts queued beyond the free slots (0 allowed)", () => {
    const parsed = parseAgentArgs([...base, "--ahead", "0"]);
    expect(parsed.ok && "args" in parsed ? parsed.args.aheadDepth : parsed).toBe(0);
  });

  it("reads --simulate as a number of machines", () => {
    const parsed = parseAgentArgs([...base, "--simulate", "200", "--name", "east"]);
    expect(parsed.ok && "args" in parsed ? [parsed.args.simulate, parsed.args.name] : parsed).toEqual([200, "east"]);
  });

  it("fetches shipped functions only when --fetch-functions or HANDOFF_FETCH_FUNCTIONS=1 says so", () => {
    const args = (argv: string[], extra: Record<string, string> = {}) => {
      const parsed = parseAgentArgs([...base, ...argv], dir, { ...env, ...extra });
      return parsed.ok && "args" in parsed ? parsed.args : undefined;
    };
    expect(args([])?.fetchFunctions).toBeUndefined();
    expect(args(["--fetch-functions"])?.fetchFunctions).toBe(true);
    expect(args([], { HANDOFF_FETCH_FUNCTIONS: "1" })?.fetchFunctions).toBe(true);
    expect(args([], { HANDOFF_FETCH_FUNCTIONS: "0" })?.fetchFunctions).toBeUndefined();
    expect(parseAgentArgs(base, dir, { ...env, HANDOFF_FETCH_FUNCTIONS: "yes" })).toMatchObject({ ok: false, error: { flag: "HANDOFF_FETCH_FUNCTIONS" } });
    expect(errorOf([...base, "--fetch-functions=1"])).toEqual({ flag: "--fetch-functions", message: "takes no value" });
    expect(errorOf([...base, "--fetch-functions", "--simulate", "2"])?.flag).toBe("--simulate");
  });

  it("asks for help", () => {
    expect(parseAgentArgs(["--help"])).toEqual({ ok: true, help: true });
  });
});

describe("when a flag is wrong", () => {
  it.each([
    [[], "--server", /is required/],
    [["--server", "http://s", "--token", "hf_join_secret"], "--token", /never go on the command line.*HANDOFF_JOIN_TOKEN.*--token-file/],
    [["--server", "http://s", "--token-file", "t"], "--token-file", /HANDOFF_JOIN_TOKEN is set too/],
    [["--server", "ftp://s"], "--server", /http:\/\/ or https:\/\//],
    [["--server", "not a url"], "--server", /is not a URL/],
    [[...base, "--capacity", "cpu=eight"], "--capacity", /cpu must be a finite number ≥ 0 and ≤ 1e12, got "eight"/],
    [[...base, "--capacity", "memory=1e308"], "--capacity", /memory must be a finite number ≥ 0 and ≤ 1e12, got 1e\+308/],
    [[...base, "--memory-budget-mb", "1e308"], "--memory-budget-mb", /must be a number of megabytes above 0 and ≤ 1e12, got "1e308"/],
    [[...base, "--disk-budget-mb", "0"], "--disk-budget-mb", /must be a number of megabytes above 0/],
    [[...base, "--retention-minutes", "1e308"], "--retention-minutes", /≤ 525600 \(1 year\)/],
    [[...base, "--capacity", "cpu"], "--capacity", /"cpu" is not key=value/],
    [[...base, "--capacity", "slots=0"], "--capacity", /slots must be a whole number ≥ 1/],
    [[...base, "--capacity", "gpu=1,gpu=2"], "--capacity", /gpu is given twice/],
    [[...base, "--functions"], "--functions", /needs at least one file/],
    [[...base, "--functions", "missing.ts"], "--functions", /missing\.ts does not exist/],
    [[...base, "--functions", "fns.py"], "--functions", /extension "\.py"/],
    [[...base, "--memory-budget-mb", "-5"], "--memory-budget-mb", /above 0 and ≤ 1e12, got "-5"/],
    [[...base, "--memory-budget-mb", "lots"], "--memory-budget-mb", /above 0 and ≤ 1e12, got "lots"/],
    [[...base, "--result-port", "70000"], "--result-port", /0 to 65535/],
    [[...base, "--result-port", "80.5"], "--result-port", /0 to 65535/],
    [[...base, "--name"], "--name", /needs a value/],
    [[...base, "--name", "a", "--name", "b"], "--name", /is given twice/],
    [[...base, "--colour", "red"], "--colour", /unknown flag/],
    [[...base, "stray"], "stray", /unexpected argument/],
    [[...base, "--simulate", "0"], "--simulate", /from 1 to 1000, got "0"/],
    [[...base, "--ahead", "-1"], "--ahead", /from 0 to 1024, got "-1"/],
    [[...base, "--ahead", "1025"], "--ahead", /from 0 to 1024, got "1025"/],
    [[...base, "--ahead", "2.5"], "--ahead", /from 0 to 1024, got "2.5"/],
    [[...base, "--simulate", "1001"], "--simulate", /from 1 to 1000, got "1001"/],
    [[...base, "--simulate", "2.5"], "--simulate", /whole number/],
    [[...base, "--simulate", "5", "--result-port", "9000"], "--simulate", /drop --result-port/],
  ] as const)("%j is refused naming %s", (argv, flag, message) => {
    const error = errorOf([...argv]);
    expect(error?.flag).toBe(flag);
    expect(error?.message).toMatch(message);
  });
});

const launcher = fileURLToPath(new URL("../bin/handoff-agent.mjs", import.meta.url));

function runCli(argv: string[], extraEnv: Record<string, string> = {}): { exited: Promise<{ code: number | null; stdout: string; stderr: string }>; kill: () => void; stdout: () => string; pid: number } {
  const child = spawn(process.execPath, [launcher, ...argv], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...extraEnv } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
  return { exited, kill: () => child.kill("SIGTERM"), stdout: () => stdout, pid: child.pid ?? -1 };
}

describe("when handoff-agent runs as a command", () => {
  it("exits with code 2 and names the bad flag", async () => {
    const { code, stderr } = await runCli(["--server", "http://s:1", "--capacity", "cpu=x"]).exited;
    expect(code).toBe(2);
    expect(stderr).toMatch(/handoff-agent: --capacity: cpu must be a finite number/);
  });

  it("joins a server, loads a TypeScript module from elsewhere, and stops on SIGTERM", async () => {
    let server: TestServer | undefined;
    const module = join(dir, "cli-fns.ts");
    await writeFile(module, `import { defineFunction } from "@handoff/sdk";\nexport const hi = defineFunction({ name: "cli.hi", run: (): string => "hi" });\n`);
    try {
      server = await startTestServer();
      const running = runCli(["--server", server.url, "--name", "cli-agent", "--capacity", "slots=1", "--functions", module, "--result-host", "127.0.0.1", "--data-dir", join(dir, "data")], { HANDOFF_JOIN_TOKEN: JOIN_TOKEN });
      const hello = await server.waitFor(() => server?.hellos.find((h) => h.name === "cli-agent"), "the CLI agent's hello", 90_000);
      // The token is in no argument: `ps` (this process's cmdline) does not show it.
      expect(readFileSync(`/proc/${running.pid}/cmdline`, "utf8")).not.toContain(JOIN_TOKEN);
      expect(hello.capacity.slots).toBe(1);
      expect(hello.functions.map((f) => f.name)).toContain("cli.hi");
      running.kill();
      const { code, stdout } = await running.exited;
      expect(code).toBe(0);
      expect(stdout).toMatch(/cli-agent started/);
    } finally {
      await server?.stop();
    }
  }, 240_000); // an agent process started through tsx: ~30 s under CI's load once, so its hello gets 90 s

  it("exits with code 1 when the server refuses the token", async () => {
    const server = await startTestServer();
    try {
      const { code, stderr } = await runCli(["--server", server.url, "--name", "refused", "--capacity", "slots=1", "--result-host", "127.0.0.1", "--data-dir", join(dir, "refused")], { HANDOFF_JOIN_TOKEN: "wrong" }).exited;
      expect(code).toBe(1);
      expect(stderr).toMatch(/unauthorized/);
    } finally {
      await server.stop();
    }
  });

  it("reads the join token from a 0600 --token-file and refuses one others can read", async () => {
    const server = await startTestServer();
    const file = join(dir, "join-token");
    try {
      await writeFile(file, `${JOIN_TOKEN}\n`, { mode: 0o644 });
      await chmod(file, 0o644);
      const refused = await runCli(["--server", server.url, "--token-file", file, "--name", "tf", "--data-dir", join(dir, "tf")]).exited;
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/--token-file: .*mode 644.*chmod 600/);
      await chmod(file, 0o600);
      const running = runCli(["--server", server.url, "--token-file", file, "--name", "tf", "--capacity", "slots=1", "--result-host", "127.0.0.1", "--data-dir", join(dir, "tf")]);
      await server.waitFor(() => server.hellos.find((h) => h.name === "tf"), "the hello of the agent with a token file", 90_000);
      running.kill();
      expect((await running.exited).code).toBe(0);
    } finally {
      await server.stop();
    }
  }, 240_000); // an agent process started through tsx: ~30 s under CI's load once, so its hello gets 90 s

  it("refuses a data dir that others can write to", async () => {
    const open = join(dir, "open-data");
    await import("node:fs/promises").then((fs) => fs.mkdir(open, { mode: 0o777 }));
    await chmod(open, 0o777);
    const { code, stderr } = await runCli(["--server", "http://127.0.0.1:9", "--name", "open", "--data-dir", open]).exited;
    expect(code).toBe(1);
    expect(stderr).toMatch(/data dir .*open-data has mode 777/);
  });
});
