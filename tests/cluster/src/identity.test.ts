import type { ChildProcess } from "node:child_process";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, until, type Stack } from "@handoff/cli/testing";
import { signFetchProof, generateMachineKey, loadMachineKey } from "@handoff/protocol/machine-identity";
import { connectFakeAgent, type FakeAgent } from "./fake-agent.ts";
import { dagFile } from "./fixtures.ts";

// Issue #10 §1, §2, §5, §6: a machine name is an identity (an Ed25519 key), not a claim.

const handoffBin = fileURLToPath(new URL("../../../apps/cli/bin/handoff.mjs", import.meta.url));
let stack: Stack;
let dir: string;
let pidModule: string;
const fakes: FakeAgent[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "handoff-identity-"));
  pidModule = path.join(dir, "pid.mjs");
  writeFileSync(pidModule, `import { defineFunction } from "@handoff/sdk";\nexport const pid = defineFunction({ name: "id.pid", run: () => process.pid });\n`);
  // Only an immediate replacement brings a machine back in time: the heartbeat timeout is ten minutes.
  stack = await startStack({ agents: [{ name: "alpha", functions: [pidModule] }, { name: "beta" }], serverEnv: { HANDOFF_MACHINE_TIMEOUT_MS: "600000" } });
}, 180_000);

afterAll(async () => {
  for (const fake of fakes) fake.close();
  await stack?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const pidOn = async (machine: string): Promise<unknown> => {
  const outcome = await stack.client.execute(dagFile(`pid-${machine}`, [{ id: "p", fn: "id.pid", placement: { kind: "pinned", machine } }]), { materialize: true, timeoutMs: 60_000 });
  expect(outcome.status).toBe("succeeded");
  return outcome.results["p"];
};

const statusOf = async (name: string): Promise<string | undefined> => (await stack.client.discoverMachines()).find((machine) => machine.name === name)?.status;

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}


describe("when a second agent claims an online machine's name", () => {
  it("refuses the impostor with forbidden naming the machine; the real agent stays online and keeps running tasks", async () => {
    const real = stack.agents.get("alpha")!;
    let output = "";
    const impostor = await stack.launchAgent({ name: "alpha", functions: [pidModule], dataDir: path.join(dir, "impostor") }, { output: (chunk) => (output += chunk) });
    expect(await exitOf(impostor), output).toBe(1);
    expect(output).toMatch(/forbidden/);
    expect(output).toContain('machine "alpha"');
    expect(await statusOf("alpha")).toBe("online");
    expect(await pidOn("alpha")).toBe(real.pid);
  }, 120_000);
});

describe("when the same identity comes back", () => {
  it("replaces a frozen connection at once (no heartbeat timeout), then takes over after SIGKILL without a join token", async () => {
    const frozen = stack.agents.get("alpha")!;
    frozen.kill("SIGSTOP"); // its socket stays open, silent
    let output = "";
    const second = await stack.launchAgent({ name: "alpha", functions: [pidModule], joinToken: null }, { output: (chunk) => (output += chunk) });
    try {
      await until("the second copy to be welcomed", async () => (output.includes("joined") ? true : undefined));
      expect(await pidOn("alpha")).toBe(second.pid);
    } finally {
      frozen.kill("SIGKILL");
      frozen.kill("SIGCONT");
      await exitOf(frozen);
    }
    second.kill("SIGKILL");
    await exitOf(second);
    await until("alpha to be offline", async () => ((await statusOf("alpha")) === "offline" ? true : undefined));
    const restarted = await stack.startAgent({ name: "alpha", functions: [pidModule], joinToken: null });
    expect(await pidOn("alpha")).toBe(restarted.pid);
  }, 180_000);
});

describe("when a hello is replayed", () => {
  it("refuses a hello signed for another connection's challenge, and one sent without a challenge", async () => {
    const first = await connectFakeAgent(stack.url, await stack.joinToken());
    fakes.push(first);
    const welcomed = await first.hello("replayed");
    expect(welcomed.ok).toBe(true);
    const attacker = await connectFakeAgent(stack.url, await stack.joinToken());
    fakes.push(attacker);
    const withoutChallenge = await attacker.sendHello(welcomed.sent);
    expect(withoutChallenge).toMatchObject({ ok: false, error: { kind: "unauthorized" } });
    await attacker.challenge();
    const oldNonce = await attacker.sendHello(welcomed.sent);
    expect(oldNonce).toMatchObject({ ok: false, error: { kind: "unauthorized" } });
    expect(first.socket.connected).toBe(true);
    expect(await statusOf("replayed")).toBe("online");
  }, 60_000);
});

describe("when a join token is revoked", () => {
  it("keeps the machines it admitted (even across a restart) and admits no new one", async () => {
    const { id, token } = await stack.client.trpc.tokens.create.mutate({ name: "soon revoked", kind: "join" });
    const gamma = await stack.startAgent({ name: "gamma", functions: [pidModule], joinToken: token });
    await stack.client.trpc.tokens.revoke.mutate({ id });
    expect(await pidOn("gamma")).toBe(gamma.pid);
    expect(gamma.exitCode).toBeNull();
    await stack.killAgent("gamma");
    const back = await stack.startAgent({ name: "gamma", functions: [pidModule], joinToken: token });
    expect(await pidOn("gamma")).toBe(back.pid);
    let output = "";
    const newcomer = await stack.launchAgent({ name: "delta", joinToken: token }, { output: (chunk) => (output += chunk) });
    expect(await exitOf(newcomer), output).toBe(1);
    expect(output).toMatch(/unauthorized.*machine "delta" is not known/);
    expect(await statusOf("delta")).toBeUndefined();
  }, 180_000);
});

describe("when an admin forgets a machine", () => {
  it("disconnects it at once, stops its agent, and frees the name for a new identity", async () => {
    const beta = stack.agents.get("beta")!;
    const forget = spawnSync(process.execPath, [handoffBin, "machines", "forget", "beta", "--server", stack.url, "--token", stack.adminToken], { encoding: "utf8", timeout: 60_000 });
    expect(forget.status, forget.stderr).toBe(0);
    expect(await statusOf("beta")).toBe("offline");
    expect(await exitOf(beta)).toBe(1);
    const successor = await stack.startAgent({ name: "beta", functions: [pidModule], dataDir: path.join(dir, "new-beta") });
    expect(await pidOn("beta")).toBe(successor.pid);
  }, 120_000);
});

describe("secrets on the machine", () => {
  it("keeps the join token out of the agent's command line", async () => {
    const token = await stack.joinToken();
    const child = await stack.startAgent({ name: "epsilon", joinToken: token });
    const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, "utf8");
    expect(cmdline).toContain("--server");
    expect(cmdline).not.toContain(token);
  }, 120_000);

  it("binds the result server to loopback (the address it reaches the server from) and advertises it", async () => {
    const alpha = (await stack.client.discoverMachines()).find((machine) => machine.name === "alpha")!;
    const url = new URL(alpha.resultUrl!);
    expect(url.hostname).toBe("127.0.0.1");
    const portHex = Number(url.port).toString(16).toUpperCase().padStart(4, "0");
    const listening = readFileSync("/proc/net/tcp", "utf8")
      .split("\n")
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[3] === "0A" && fields[1]?.endsWith(`:${portHex}`))
      .map((fields) => fields[1]);
    expect(listening).toEqual([`0100007F:${portHex}`]);
  });
});

describe("when a grant is replayed by someone else", () => {
  it("the holder refuses it without the audience's signature (403) and serves the audience", async () => {
    const alpha = (await stack.client.discoverMachines()).find((machine) => machine.name === "alpha")!;
    const snoop = await connectFakeAgent(stack.url, await stack.joinToken());
    fakes.push(snoop);
    const assigned = new Promise<{ url: string; grant: string }>((resolve) => {
      snoop.socket.on("task:assign", (payload: { items: { inputs: { fetch?: { url: string; grant: string } }[] }[] }) => {
        const fetch = payload.items[0]?.inputs[0]?.fetch;
        if (fetch) resolve(fetch);
      });
    });
    expect((await snoop.hello("snoop", { functions: alpha.functions })).ok).toBe(true);
    await stack.client.startRun(
      dagFile("grant-replay", [
        { id: "x", fn: "std.constant", extraArgs: ["secret value"], placement: { kind: "pinned", machine: "alpha" } },
        { id: "y", fn: "std.identity", args: ["x"], placement: { kind: "pinned", machine: "snoop" } },
      ]),
    );
    const { url, grant } = await assigned;
    const runPath = (() => {
      const payload = JSON.parse(Buffer.from(grant.split(".")[0]!, "base64url").toString("utf8")) as { runId: string; taskId: string };
      return `${url}/results/${encodeURIComponent(payload.runId)}/${encodeURIComponent(payload.taskId)}`;
    })();
    const replayed = await fetch(runPath, { headers: { Authorization: `Bearer ${grant}` } });
    expect(replayed.status).toBe(403);
    expect(await replayed.json()).toEqual({ error: { kind: "forbidden", message: "the grant is refused (wrong_audience): no x-handoff-proof header", details: { reason: "wrong_audience" } } });
    const other = loadMachineKey(generateMachineKey().privateKeyPem);
    const forged = await fetch(runPath, { headers: { Authorization: `Bearer ${grant}`, "X-Handoff-Proof": signFetchProof(other.privateKey, { grants: [grant] }, Date.now()) } });
    expect(forged.status).toBe(403);
    const batch = await fetch(`${url}/results/batch`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ grants: [grant] }) });
    expect(Buffer.from(await batch.arrayBuffer()).toString("utf8")).toContain("wrong_audience");
    const audience = await fetch(runPath, { headers: { Authorization: `Bearer ${grant}`, "X-Handoff-Proof": snoop.prove([grant]) } });
    expect(audience.status).toBe(200);
    expect(await audience.json()).toBe("secret value");
    snoop.close();
  }, 120_000);
});

describe("when a hello names a result URL on another host", () => {
  let decoy: Server;
  const seen: string[] = [];

  afterAll(() => decoy?.close());

  it("reaches the holder at its socket's address and the announced port only", async () => {
    decoy = createServer((request, response) => {
      seen.push(request.url ?? "");
      response.writeHead(200, { "Content-Type": "application/json", "X-Handoff-Content-Type": "application/json", "Content-Length": "2" });
      response.end("42");
    });
    await new Promise<void>((resolve) => decoy.listen(0, "127.0.0.1", resolve));
    const port = (decoy.address() as AddressInfo).port;
    const alpha = (await stack.client.discoverMachines()).find((machine) => machine.name === "alpha")!;
    const liar = await connectFakeAgent(stack.url, await stack.joinToken());
    fakes.push(liar);
    liar.socket.on("task:assign", (payload: { items: { attemptId: string }[] }) => {
      const items = payload.items.map((item) => ({ ok: true, attemptId: item.attemptId, result: { size: 2, contentType: "application/json", preview: "42", truncated: false }, metrics: { wallMs: 1 } }));
      liar.socket.emit("task:finished", { v: 1, items });
    });
    expect((await liar.hello("liar", { functions: alpha.functions, resultUrl: `https://10.1.2.3:${port}/x` })).ok).toBe(true);
    const machine = (await stack.client.discoverMachines()).find((entry) => entry.name === "liar")!;
    expect(machine.resultUrl).toBe(`http://127.0.0.1:${port}`);
    const outcome = await stack.client.execute(dagFile("liar", [{ id: "v", fn: "std.constant", extraArgs: [42], placement: { kind: "pinned", machine: "liar" } }]), { materialize: true, timeoutMs: 60_000 });
    expect(outcome.results["v"]).toBe(42);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((url) => url.startsWith("/results/"))).toBe(true);
  }, 60_000);
});
