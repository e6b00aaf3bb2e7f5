import { expect, it } from "vitest";
import { writeFunctionModules } from "./fixtures.ts";
import { countedSleeps, describeReplicas, expectRanOnce, linesOf } from "./replicas-fixture.ts";

// Issue #18 §1 with a third replica: the leader is killed with SIGKILL mid-run; both standbys campaign for the lease and
// exactly one takes it (the other stays a standby, and no moment shows two leaders); the run finishes once.
const modules = writeFunctionModules();
const WIDTH = 16;

describeReplicas(
  "when the leader of three replicas is killed mid-run",
  [
    { name: "first", capacity: { cpu: 2, slots: 2 }, functions: [modules.mjs] },
    { name: "second", capacity: { cpu: 2, slots: 2 }, functions: [modules.mjs], servers: [2, 1, 0] },
  ],
  (replicas) => {
    it("exactly one standby takes over, the other stays a standby, and the run finishes once", async () => {
      expect(await replicas().roles()).toEqual(["leader", "standby", "standby"]);
      const { dag, counter } = countedSleeps("three-replicas", WIDTH, 400);
      const { runId } = await replicas().client.startRun(dag, { idempotencyKey: "three-replicas-run" });
      await expect.poll(() => linesOf(counter).length, { timeout: 60_000, interval: 50 }).toBeGreaterThanOrEqual(4);
      expect(linesOf(counter).length).toBeLessThan(WIDTH);

      await replicas().killServer(0);
      // Every look at the survivors, from the kill to the run's end, shows at most one leader.
      const seen: string[] = [];
      const look = async (): Promise<string> => {
        const roles = (await replicas().roles()).slice(1).join(",");
        seen.push(roles);
        return roles;
      };
      await expect.poll(look, { timeout: 30_000, interval: 50 }).toMatch(/^(leader,standby|standby,leader)$/);
      const [winner] = seen.slice(-1);
      await expect.poll(async () => (await look(), (await replicas().client.getRun(runId)).status), { timeout: 90_000, interval: 250 }).toBe("succeeded");
      expect(await look()).toBe(winner);
      expect(seen.filter((roles) => roles === "leader,leader")).toEqual([]);
      expect(new Set(seen.filter((roles) => roles.includes("leader")))).toEqual(new Set([winner]));

      await expectRanOnce(replicas(), runId, counter, WIDTH);
    }, 240_000);
  },
  { servers: 3 },
);
