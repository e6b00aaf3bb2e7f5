import { describe, expect, it } from "vitest";
import { SLOTS, type TaskSpec } from "../dag/model.ts";
import type { SchedulerCommand } from "./messages.ts";
import { SchedulerDriver } from "./test-driver.ts";

type Assign = Extract<SchedulerCommand, { type: "assign_task" }>;

const assigns = (commands: readonly SchedulerCommand[]): Assign[] => commands.filter((c): c is Assign => c.type === "assign_task");
const chain = (length: number, extra: Partial<TaskSpec> = {}): TaskSpec[] =>
  Array.from({ length }, (_, i) => ({ id: `t${i}`, fn: "f", ...(i === 0 ? {} : { args: [`t${i - 1}`] }), ...extra }));

function cluster(preAssign: boolean, slots = 1, depth = 1): SchedulerDriver {
  const driver = new SchedulerDriver();
  for (const name of ["m0", "m1"]) {
    driver.send({ type: "machine_joined", now: 0, machine: { name, capacity: { cpu: 4, [SLOTS]: slots }, functions: ["f"], aheadDepth: depth, preAssign } });
  }
  return driver;
}

describe("dependents pre-assigned to their producer's machine", () => {
  it("assigns a chain's next task beside its producer at once, waiting for that attempt's value, and runs it without another assignment", () => {
    const driver = cluster(true);
    const first = assigns(driver.submit("r", chain(3)));
    expect(first.map((a) => [a.taskId, a.machine, a.isQueued === true])).toEqual([["t0", "m0", false], ["t1", "m0", true]]);
    expect(first[1]!.inputs).toEqual([{ kind: "result", taskId: "t0", machine: "m0", after: "r/t0#1" }]);
    expect(first[1]!.placement).toMatchObject({ machine: "m0", turnedDown: [] });
    expect(first[1]!.placement?.summary).toContain('pre-assigned beside its input "t0" on m0');
    expect(driver.state.ledger.used("m0")[SLOTS]).toBe(1); // t1 waits outside the slots: they are t0's
    // t0's report: t1 holds the slot now, and t2 is pre-assigned after t1 (the queue had room again).
    const next = assigns(driver.succeed("t0"));
    expect(next.map((a) => [a.taskId, a.machine, a.inputs])).toEqual([["t2", "m0", [{ kind: "result", taskId: "t1", machine: "m0", after: "r/t1#1" }]]]);
    expect(driver.state.attempts.get("r/t1#1")?.isQueued).toBe(false);
    expect(assigns(driver.succeed("t1"))).toEqual([]);
    driver.succeed("t2");
    expect(driver.outcome("r")).toMatchObject({ status: "succeeded", allocations: { t0: "m0", t1: "m0", t2: "m0" } });
    expect(driver.state.ledger.totalUsed()).toBe(0);
  });

  it("pre-assigns nothing to an agent that does not announce it (it is placed once its input exists)", () => {
    const driver = cluster(false);
    expect(assigns(driver.submit("r", chain(2))).map((a) => a.taskId)).toEqual(["t0"]);
    expect(assigns(driver.succeed("t0"))).toMatchObject([{ taskId: "t1", inputs: [{ kind: "result", taskId: "t0", machine: "m0" }] }]);
    expect(assigns(driver.log).some((a) => a.inputs.some((input) => input.kind === "result" && input.after !== undefined))).toBe(false);
  });

  it("withdraws the waiting dependent when its producer fails, without spending its retry, and pre-assigns it again after the retry", () => {
    const driver = cluster(true);
    driver.submit("r", [{ id: "p", fn: "f", maxRetries: 1, retryBackoff: { initialMs: 0 } }, { id: "c", fn: "f", args: ["p"], maxRetries: 0 }]);
    expect(driver.assignment("c")).toMatchObject({ attemptId: "r/c#1", isQueued: true });
    const failed = driver.fail("p");
    expect(failed).toContainEqual(expect.objectContaining({ type: "abort_attempt", attemptId: "r/c#1", reason: "cancelled" }));
    // The retry of p goes to the first machine again, and c is pre-assigned after it.
    expect(assigns(failed).map((a) => [a.attemptId, a.machine])).toEqual([["r/p#2", "m0"], ["r/c#2", "m0"]]);
    expect(driver.state.ahead.get("m0")).toEqual(["r/c#2"]);
    driver.succeed("p");
    driver.succeed("c");
    expect(driver.outcome("r")?.status).toBe("succeeded"); // c had no retry to spend: the withdrawal cost none
    expect(driver.state.ledger.totalUsed()).toBe(0);
  });

  it("withdraws the waiting dependents when their machine goes offline, and places them again after their producer", () => {
    const driver = cluster(true);
    driver.submit("r", chain(2));
    const lost = driver.send({ type: "machine_status_changed", now: 0, name: "m0", status: "offline" });
    expect(lost).toContainEqual(expect.objectContaining({ type: "abort_attempt", attemptId: "r/t1#1" }));
    expect(assigns(lost).map((a) => [a.attemptId, a.machine])).toEqual([["r/t0#2", "m1"], ["r/t1#2", "m1"]]);
    driver.succeed("t0");
    driver.succeed("t1");
    expect(driver.outcome("r")?.status).toBe("succeeded");
    expect(driver.state.ledger.totalUsed()).toBe(0);
  });

  it("withdraws a waiting dependent its agent came back without (machine_lost before it started): no retry spent, no loss counted, placed again", () => {
    const driver = cluster(true, 2, 2);
    driver.submit("r", chain(3, { maxRetries: 0 }));
    expect(driver.state.ahead.get("m0")).toEqual(["r/t1#1", "r/t2#1"]); // t1 waits for t0, t2 for t1
    const lost = driver.fail("t1", 'machine "m0" came back without the attempt', "machine_lost");
    expect(lost.filter((c) => c.type === "abort_attempt").map((c) => c.type === "abort_attempt" && [c.attemptId, c.reason])).toEqual([["r/t1#1", "cancelled"], ["r/t2#1", "cancelled"]]);
    const t1 = driver.state.runs.get("r")!.tasks[1]!;
    expect([t1.machineLosses, t1.countedFailures, t1.lastError, t1.currentAttempt]).toEqual([0, 0, null, null]);
    expect(driver.taskState("r", "t1")?.state).toBe("waiting_for_dependencies");
    expect(driver.taskState("r", "t1")?.reason).toContain('withdrawn from "m0": lost before it started');
    expect(lost.some((c) => c.type === "task_changed" && c.change.error !== undefined)).toBe(false);
    expect(driver.state.ahead.get("m0")).toBeUndefined();
    expect(driver.state.ledger.used("m0")[SLOTS]).toBe(1); // t0's alone
    // t0's report: t1 is placed again (and t2 pre-assigned after it); the run succeeds with no retry to spend.
    expect(assigns(driver.succeed("t0")).map((a) => a.attemptId)).toEqual(["r/t1#2", "r/t2#2"]);
    driver.succeed("t1");
    driver.succeed("t2");
    expect(driver.outcome("r")?.status).toBe("succeeded");
    expect(driver.state.ledger.totalUsed()).toBe(0);
  });

  it("still counts as lost a dependent missing after its producer succeeded (its agent may have started it)", () => {
    const driver = cluster(true);
    driver.submit("r", chain(2));
    driver.succeed("t0");
    expect(driver.state.attempts.get("r/t1#1")?.waitsFor).toBeUndefined();
    driver.fail("t1", "came back without it", "machine_lost");
    const t1 = driver.state.runs.get("r")!.tasks[1]!;
    expect([t1.machineLosses, t1.lastError?.kind]).toEqual([1, "machine_lost"]);
    expect(assigns(driver.log).at(-1)).toMatchObject({ attemptId: "r/t1#2" });
  });

  it("keeps out what must be placed the usual way: pinned elsewhere, collocated, transformed or inline inputs, load_balanced runs", () => {
    const driver = cluster(true, 2, 2);
    driver.submit("r", [
      { id: "p", fn: "f" },
      { id: "pinned", fn: "f", args: ["p"], placement: { kind: "pinned", machine: "m1" } },
      { id: "edge", fn: "f", args: [{ from: "p", decode: { fn: "f" } }] },
    ]);
    expect(assigns(driver.log).map((a) => a.taskId)).toEqual(["p"]);
    const balanced = cluster(true);
    balanced.submit("r", chain(2), { strategy: "load_balanced" });
    expect(assigns(balanced.log).map((a) => a.taskId)).toEqual(["t0"]);
  });

  it("pre-assigns a task whose other inputs exist already (fetched from their holder) once only one machine's attempt is missing", () => {
    const driver = cluster(true, 1, 1);
    driver.submit("r", [{ id: "a", fn: "f" }, { id: "b", fn: "f" }, { id: "join", fn: "f", args: ["a", "b"] }]);
    // a on m0, b on m1: join waits for both, made on two machines, so it is not pre-assigned yet.
    expect(assigns(driver.log).map((a) => [a.taskId, a.machine])).toEqual([["a", "m0"], ["b", "m1"]]);
    // a's value exists now: join waits for b alone, and is pre-assigned beside it.
    expect(assigns(driver.succeed("a"))).toMatchObject([{ taskId: "join", machine: "m1", isQueued: true, inputs: [{ taskId: "a", machine: "m0" }, { taskId: "b", machine: "m1", after: "r/b#1" }] }]);
    expect(assigns(driver.succeed("b"))).toEqual([]);
    driver.succeed("join");
    expect(driver.outcome("r")?.status).toBe("succeeded");
    expect(driver.state.ledger.totalUsed()).toBe(0);
  });
});
