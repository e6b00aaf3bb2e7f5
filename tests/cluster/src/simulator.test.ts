import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "@handoff/cli/testing";
import { dagFile } from "./fixtures.ts";

// `handoff agent --simulate N`: many machines in one agent process, each with its own identity, socket, hello,
// heartbeats and result server; the server sees N machines and runs a DAG across them over the real protocol.
const COUNT = 30;
const names = Array.from({ length: COUNT }, (_, index) => `sim-${index + 1}`);
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ localMachine: "sim-1" });
  await stack.launchAgent({ name: "sim", extraArgs: ["--simulate", String(COUNT)] });
  await stack.waitForMachines(names);
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe("simulated machines", () => {
  it("join as separate machines, each with its own identity and capacity", async () => {
    const machines = (await stack.client.discoverMachines()).filter((machine) => machine.name.startsWith("sim-"));
    expect(machines.map((machine) => machine.name).sort()).toEqual([...names].sort());
    expect(new Set(machines.map((machine) => machine.capacity["slots"]))).toEqual(new Set([4]));
  });

  it("run a fan-out and fan-in across them, moving values between their result servers", async () => {
    const width = 120;
    const tasks = [
      ...Array.from({ length: width }, (_, index) => ({ id: `c${index}`, fn: "std.constant", extraArgs: [index] })),
      { id: "total", fn: "std.sum", args: Array.from({ length: width }, (_, index) => `c${index}`) },
    ];
    const outcome = await stack.client.execute(dagFile("simulated-fan-in", tasks), { strategy: "load_balanced" });
    expect(outcome.status).toBe("succeeded");
    expect(await stack.client.getValue(outcome.runId, "total")).toBe((width * (width - 1)) / 2);
    const run = await stack.client.getRun(outcome.runId);
    const used = new Set(run.tasks.map((task) => task.machine).filter((machine) => machine !== null && machine !== undefined));
    expect(used.size).toBeGreaterThan(COUNT / 2);
  }, 120_000);
});
