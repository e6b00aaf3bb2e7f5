import { expect, it } from "vitest";
import { writeFunctionModules } from "./fixtures.ts";
import { countedSleeps, describeReplicas, expectRanOnce, linesOf } from "./replicas-fixture.ts";

// Issue #18 §1, agents on any replica: an agent given only the standby's URL stays there. The leader's assignments
// reach it through socket.io's Redis adapter and its reports reach the leader through the standby's relay. When the
// leader is killed with SIGKILL the standby takes the lease and asks its agent (which never reconnected) to re-announce
// what it runs and holds; the run finishes once.
const modules = writeFunctionModules();
const WIDTH = 16;
let agentOutput = "";

describeReplicas("when an agent is connected only to a standby replica", [{ name: "on-standby", capacity: { cpu: 2, slots: 2 }, functions: [modules.mjs], servers: [1], output: (chunk) => (agentOutput += chunk) }], (replicas) => {
  it("runs the leader's tasks there, and after the leader is killed the run finishes once on the new leader", async () => {
    expect(await replicas().roles()).toEqual(["leader", "standby"]);
    const { dag, counter } = countedSleeps("standby-agent", WIDTH, 300);
    const { runId } = await replicas().client.startRun(dag, { idempotencyKey: "standby-agent-run" });
    // The leader assigned and the agent on the standby ran some tasks; their reports reached the leader (it wrote them).
    await expect.poll(() => linesOf(counter).length, { timeout: 60_000, interval: 50 }).toBeGreaterThanOrEqual(4);
    await expect.poll(async () => (await replicas().client.getRun(runId)).tasks.filter((task) => task.taskId.startsWith("s") && task.state === "succeeded").length, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    expect(linesOf(counter).length).toBeLessThan(WIDTH);

    const killedAt = performance.now();
    await replicas().killServer(0);
    await expect.poll(async () => (await replicas().roles())[1], { timeout: 30_000, interval: 50 }).toBe("leader");
    const takeoverMs = Math.round(performance.now() - killedAt);

    await expect.poll(async () => (await replicas().client.getRun(runId)).status, { timeout: 90_000, interval: 250 }).toBe("succeeded");
    console.log(`agents on a standby: it took the lease ${takeoverMs} ms after the leader was killed; the run succeeded ${Math.round(performance.now() - killedAt)} ms after`);
    // The agent kept its one socket: it was asked for a new hello on it, and never disconnected.
    expect(agentOutput).toContain("the leader (epoch 2) asked for a new hello");
    expect(agentOutput).not.toContain("disconnected from");
    await expectRanOnce(replicas(), runId, counter, WIDTH);
    const machine = (await replicas().client.discoverMachines()).find((candidate) => candidate.name === "on-standby");
    expect(machine?.status).toBe("online");
  }, 240_000);
});
