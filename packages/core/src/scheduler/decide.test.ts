import { describe, expect, it } from "vitest";
import { taskIndex } from "../dag/validate-dag.ts";
import { neededFunctions } from "../placement/check-feasibility.ts";
import { READY_REASON } from "./attempt-lifecycle.ts";
import { compileDag, isReadyAtSubmission } from "./compile-dag.ts";
import type { SchedulerCommand } from "./messages.ts";
import { NO_RESULT, reportedResult } from "./scheduler-state.ts";
import { SchedulerDriver } from "./test-driver.ts";

const assigned = (commands: readonly { type: string; taskId?: string }[]) =>
  commands.filter((c) => c.type === "assign_task").map((c) => c.taskId);

describe("scheduler decide", () => {
  describe("when a chain runs on one machine", () => {
    it("starts each task only after its dependency succeeded and passes where the input lives", () => {
      const driver = new SchedulerDriver().machine("m1", { slots: 4 });
      expect(assigned(driver.submit("r", [{ id: "a", fn: "f" }, { id: "b", fn: "f", args: ["a"] }, { id: "c", fn: "g", args: ["b"], extraArgs: [2] }]))).toEqual(["a"]);
      expect(assigned(driver.succeed("a"))).toEqual(["b"]);
      const b = driver.assignment("b");
      expect(b.inputs).toEqual([{ kind: "result", taskId: "a", machine: "m1" }]);
      driver.succeed("b");
      expect(driver.assignment("c").extraArgs).toEqual([2]);
      driver.succeed("c", 42);
      expect(driver.outcome("r")).toMatchObject({
        status: "succeeded",
        results: { a: "a-value", b: "b-value", c: 42 },
        allocations: { a: "m1", b: "m1", c: "m1" },
        failures: [],
      });
      expect(driver.state.ledger.totalUsed()).toBe(0);
    });
  });

  describe("when a task's reported value is asked for (reportedResult)", () => {
    it("answers the value its success reported while the run is active, and NO_RESULT before it, for an unknown task or run, and after the run", () => {
      const driver = new SchedulerDriver().machine("m1", { slots: 4 });
      driver.submit("r", [{ id: "a", fn: "f" }, { id: "b", fn: "f", args: ["a"] }]);
      expect(reportedResult(driver.state, "r", "a")).toBe(NO_RESULT);
      driver.succeed("a", 0);
      expect(reportedResult(driver.state, "r", "a")).toBe(0);
      expect(reportedResult(driver.state, "r", "b")).toBe(NO_RESULT);
      expect(reportedResult(driver.state, "r", "nope")).toBe(NO_RESULT);
      expect(reportedResult(driver.state, "other", "a")).toBe(NO_RESULT);
      driver.succeed("b", 7);
      expect(driver.outcome("r")).toMatchObject({ results: { a: 0, b: 7 } });
      expect(reportedResult(driver.state, "r", "b")).toBe(NO_RESULT);
    });
  });

  describe("when a diamond runs", () => {
    it("runs both middle tasks at once and the join after both", () => {
      const driver = new SchedulerDriver().machine("m1", { slots: 4 });
      driver.submit("r", [
        { id: "top", fn: "f" },
        { id: "left", fn: "f", args: ["top"] },
        { id: "right", fn: "f", args: ["top"] },
        { id: "join", fn: "g", args: ["left", "right"], argumentInclusion: "as_list" },
      ]);
      expect(assigned(driver.succeed("top"))).toEqual(["left", "right"]);
      expect(assigned(driver.succeed("right"))).toEqual([]);
      expect(assigned(driver.succeed("left"))).toEqual(["join"]);
      expect(driver.assignment("join").argumentInclusion).toBe("as_list");
      expect(driver.assignment("join").inputs.map((i) => i.taskId)).toEqual(["left", "right"]);
    });
  });

  describe("when a task fails", () => {
    it("retries up to maxRetries and counts attempts", () => {
      const driver = new SchedulerDriver().machine("m1", { slots: 1 });
      driver.submit("r", [{ id: "a", fn: "fail", retryBackoff: { initialMs: 0 } }], { maxRetries: 2 });
      driver.fail("a");
      driver.fail("a");
      expect(driver.assignment("a").attempt).toBe(3);
      driver.fail("a", "still broken");
      const outcome = driver.outcome("r");
      expect(outcome?.status).toBe("failed");
      expect(outcome?.failures).toEqual([
        { taskId: "a", kind: "function_failed", attempts: 3, message: 'task "a" (fail) failed after 3 attempts: still broken' },
      ]);
      expect(driver.state.ledger.totalUsed()).toBe(0);
    });

    it("defaults to 3 retries (4 attempts) and lets a task override with 0", () => {
      const driver = new SchedulerDriver().machine("m1", { slots: 2 });
      driver.submit("r", [{ id: "a", fn: "fail", retryBackoff: { initialMs: 0 } }, { id: "b", fn: "fail", maxRetries: 0 }], { onFailure: "continue" });
      driver.fail("b");
      for (let i = 0; i < 4; i++) driver.fail("a");
      const failures = driver.outcome("r")?.failures ?? [];
      expect(failures.map((f) => [f.taskId, f.attempts])).toEqual([["b", 1], ["a", 4]]);
    });

    it("in fail_fast mode cancels running siblings and starts nothing new", () => {
      const driver = new SchedulerDriver().machine("m1", { slots: 4 });
      driver.submit("r", [
        { id: "bad", fn: "fail", maxRetries: 0 },
        { id: "slow", fn: "f" },
        { id: "after", fn: "f", args: ["slow"] },
      ]);
      const commands = driver.fail("bad");
      expect(commands.filter((c) => c.type === "abort_attempt")).toMatchObject([{ taskId: "slow", reason: "cancelled" }]);
      expect(assigned(commands)).toEqual([]);
      const outcome = driver.outcome("r")!;
      expect(outcome.status).toBe("failed");
      expect(outcome.failures.map((f) => [f.taskId, f.kind])).toEqual([["bad", "function_failed"], ["slow", "cancelled"], ["after", "cancelled"]]);
      expect(driver.state.ledger.totalUsed()).toBe(0);
    });

    it("says why a sibling was cancelled without repeating the kind (no \"cancelled: cancelled: …\")", () => {
      const driver = new SchedulerDriver().machine("m1", { slots: 4 });
      driver.submit("r", [{ id: "bad", fn: "fail", maxRetries: 0 }, { id: "slow", fn: "f" }]);
      driver.fail("bad");
      const slow = driver.outcome("r")!.failures.find((f) => f.taskId === "slow")!;
      expect(slow.kind).toBe("cancelled");
      expect(slow.message).not.toMatch(/^cancelled:/);
      expect(slow.message).toMatch(/^stopped because task "bad"/);
    });

    it("in continue mode marks dependents upstream_failed and finishes independent branches", () => {
      const driver = new SchedulerDriver().machine("m1", { slots: 4 });
      driver.submit(
        "r",
        [
          { id: "bad", fn: "fail", maxRetries: 0 },
          { id: "child", fn: "f", args: ["bad"] },
          { id: "grandchild", fn: "f", args: ["child"] },
          { id: "other", fn: "f" },
          { id: "other2", fn: "f", args: ["other"] },
        ],
        { onFailure: "continue" },
      );
      driver.fail("bad");
      expect(driver.taskState("r", "grandchild")?.state).toBe("upstream_failed");
      driver.succeed("other");
      driver.succeed("other2");
      const outcome = driver.outcome("r")!;
      expect(outcome.status).toBe("failed");
      expect(Object.keys(outcome.results).sort()).toEqual(["other", "other2"]);
      expect(outcome.failures.map((f) => [f.taskId, f.kind])).toEqual([
        ["bad", "function_failed"],
        ["child", "upstream_failed"],
        ["grandchild", "upstream_failed"],
      ]);
    });

    it("waits for the backoff before the next attempt, jittered between half and all of it", () => {
      const driver = new SchedulerDriver().machine("m1", { slots: 1 });
      driver.submit("r", [{ id: "a", fn: "fail", retryBackoff: { initialMs: 100, factor: 2 } }]);
      const commands = driver.fail("a");
      const at = timerAt(commands);
      expect(at).toBeGreaterThanOrEqual(50);
      expect(at).toBeLessThanOrEqual(100);
      const change = commands.find((c) => c.type === "task_changed" && c.change.taskId === "a");
      expect(change?.type === "task_changed" ? change.change : undefined).toMatchObject({ state: "retrying", retryAt: at });
      expect(driver.taskState("r", "a")?.state).toBe("retrying");
      expect(assigned(driver.tick(at - 1))).toEqual([]);
      expect(assigned(driver.tick(at))).toEqual(["a"]);
      const second = timerAt(driver.fail("a")) - at;
      expect(second).toBeGreaterThanOrEqual(100);
      expect(second).toBeLessThanOrEqual(200);
    });

    it("ends the task after one attempt when the error is non_retryable, whatever maxRetries says", () => {
      const driver = new SchedulerDriver().machine("m1", { slots: 1 });
      driver.submit("r", [{ id: "a", fn: "fail", maxRetries: 5, retryBackoff: { initialMs: 0 } }]);
      const commands = driver.fail("a", "all is not iterable", "non_retryable");
      expect(assigned(commands)).toEqual([]);
      expect(commands.some((c) => c.type === "set_timer")).toBe(false);
      expect(driver.outcome("r")?.failures).toEqual([
        { taskId: "a", kind: "non_retryable", attempts: 1, message: 'task "a" (fail) failed after 1 attempt: all is not iterable' },
      ]);
      expect(driver.state.ledger.totalUsed()).toBe(0);
    });

    it("retries only the kinds retryOn lists", () => {
      const driver = new SchedulerDriver().machine("m1", { slots: 2 });
      driver.submit(
        "r",
        [
          { id: "t", fn: "f", retryOn: ["timeout"], retryBackoff: { initialMs: 0 } },
          { id: "e", fn: "f", retryOn: ["timeout"], retryBackoff: { initialMs: 0 } },
        ],
        { onFailure: "continue", maxRetries: 3 },
      );
      driver.fail("t", "too slow", "timeout");
      expect(driver.assignment("t").attempt).toBe(2);
      driver.fail("e", "a bug");
      driver.fail("t", "too slow again", "timeout");
      driver.fail("t", "still slow", "timeout");
      driver.fail("t", "never fast", "timeout");
      const failures = driver.outcome("r")?.failures ?? [];
      expect(failures.map((f) => [f.taskId, f.kind, f.attempts])).toEqual([["e", "function_failed", 1], ["t", "timeout", 4]]);
    });

    it("still retries a lost machine when retryOn lists nothing it could match", () => {
      const driver = new SchedulerDriver().machine("m1", { slots: 1 });
      driver.submit("r", [{ id: "a", fn: "f", retryOn: [], retryBackoff: { initialMs: 0 } }]);
      driver.fail("a", "machine went away", "machine_lost");
      expect(driver.assignment("a").attempt).toBe(2);
      driver.fail("a", "a bug");
      expect(driver.outcome("r")?.failures.map((f) => [f.kind, f.attempts])).toEqual([["function_failed", 2]]);
    });

    it("waits 1 s doubling up to 30 s by default (4 attempts no longer pass in 35 ms)", () => {
      const driver = new SchedulerDriver().machine("m1", { slots: 1 });
      driver.submit("r", [{ id: "a", fn: "fail" }], { maxRetries: 7 });
      const waits: number[] = [];
      for (let i = 0; i < 7; i++) {
        const at = timerAt(driver.fail("a"));
        waits.push(at - driver.now);
        driver.tick(at);
      }
      const bases = [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000];
      waits.forEach((wait, i) => {
        expect(wait).toBeGreaterThanOrEqual(bases[i]! / 2);
        expect(wait).toBeLessThanOrEqual(bases[i]!);
      });
      expect(driver.outcome("r")).toBeUndefined();
    });
  });

  describe("when an attempt times out", () => {
    it("aborts it, retries within the budget and ignores the late report", () => {
      const driver = new SchedulerDriver().machine("m1", { slots: 1 });
      driver.submit("r", [{ id: "a", fn: "f", timeoutMs: 50, maxRetries: 1, retryBackoff: { initialMs: 0 } }]);
      const first = driver.assignment("a");
      const commands = driver.tick(50);
      expect(commands.filter((c) => c.type === "abort_attempt")).toMatchObject([{ attemptId: first.attemptId, reason: "timeout" }]);
      expect(driver.assignment("a").attempt).toBe(2);
      const late = driver.send({ type: "attempt_succeeded", now: 51, attemptId: first.attemptId, machine: "m1", result: 1 });
      expect(late).toMatchObject([{ type: "report_ignored", attemptId: first.attemptId }]);
      driver.tick(200);
      expect(driver.outcome("r")?.failures).toMatchObject([{ taskId: "a", kind: "timeout", attempts: 2 }]);
    });
  });

  describe("when capacity is busy", () => {
    it("keeps a ready task waiting with the reason, then places it when capacity frees", () => {
      const driver = new SchedulerDriver().machine("m1", { cpu: 2, slots: 4 });
      driver.submit("r", [{ id: "a", fn: "f", cost: { cpu: 2 } }, { id: "b", fn: "f", cost: { cpu: 2 } }]);
      expect(driver.running().map((c) => c.taskId)).toEqual(["a"]);
      const waiting = driver.taskState("r", "b");
      expect(waiting?.state).toBe("waiting_for_resources");
      expect(waiting?.reason).toContain("m1");
      expect(assigned(driver.succeed("a"))).toEqual(["b"]);
    });

    it("spills concurrent runs onto the second machine", () => {
      const driver = new SchedulerDriver({ localMachine: "m1" }).machine("m1", { cpu: 1, slots: 4 }).machine("m2", { cpu: 1, slots: 4 });
      driver.submit("r1", [{ id: "a", fn: "f", cost: { cpu: 1 } }]);
      driver.submit("r2", [{ id: "a", fn: "f", cost: { cpu: 1 } }]);
      expect(driver.running().map((c) => [c.runId, c.machine])).toEqual([["r1", "m1"], ["r2", "m2"]]);
    });

    it("respects the run's concurrency bound", () => {
      const driver = new SchedulerDriver().machine("m1", { slots: 8 });
      driver.submit("r", ["a", "b", "c"].map((id) => ({ id, fn: "f" })), { maxConcurrency: 2 });
      expect(driver.running()).toHaveLength(2);
      driver.succeed("a");
      expect(driver.running().map((c) => c.taskId)).toEqual(["b", "c"]);
    });
  });

  describe("when the DAG cannot run", () => {
    it("rejects cycles, unknown functions and infeasible costs before anything runs", () => {
      const driver = new SchedulerDriver().machine("m1", { cpu: 2, slots: 1 });
      driver.submit("cyclic", [{ id: "a", fn: "f", args: ["b"] }, { id: "b", fn: "f", args: ["a"] }]);
      driver.submit("unknown", [{ id: "a", fn: "nope" }]);
      driver.submit("big", [{ id: "a", fn: "f", cost: { cpu: 3 } }]);
      expect(driver.outcome("cyclic")).toMatchObject({ status: "rejected", problems: [{ kind: "cycle" }] });
      expect(driver.outcome("unknown")).toMatchObject({ status: "rejected", problems: [{ kind: "unknown_function", taskId: "a" }] });
      expect(driver.outcome("big")).toMatchObject({ status: "rejected", problems: [{ kind: "infeasible", taskId: "a", closestMachine: "m1" }] });
      expect(driver.running()).toEqual([]);
    });
  });

  describe("when a fresh run is submitted", () => {
    const tasks = [
      { id: "src", fn: "f" },
      { id: "lit", fn: "g", type: "inline" as const, extraArgs: [1] },
      { id: "double", fn: "g", type: "inline" as const, args: ["src"], extraArgs: [2] },
      { id: "fromLit", fn: "f", args: ["lit"] },
      { id: "use", fn: "f", args: ["double"] },
      { id: "other", fn: "f" },
    ];
    it("queues exactly the tasks isReadyAtSubmission names, with READY_REASON (the server inserts their rows so)", () => {
      const driver = new SchedulerDriver().machine("m1", { slots: 1 });
      const queued = driver.submit("r", tasks).flatMap((c) => (c.type === "task_changed" && c.change.state === "waiting_for_resources" && c.change.reason === READY_REASON ? [c.change.taskId] : []));
      const compiled = compileDag({ tasks }, neededFunctions({ tasks }, taskIndex({ tasks })));
      expect(queued).toEqual(compiled.tasks.filter(isReadyAtSubmission).map((task) => task.id));
      expect(queued).toEqual(["src", "fromLit", "other"]);
    });

    it("gives the same commands with the DAG compiled by the caller", () => {
      const compiled = compileDag({ tasks }, neededFunctions({ tasks }, taskIndex({ tasks })));
      const plain = new SchedulerDriver().machine("m1", { slots: 1 });
      const given = new SchedulerDriver().machine("m1", { slots: 1 });
      expect(given.send({ type: "run_submitted", now: given.now, runId: "r", dag: { tasks }, compiled })).toEqual(plain.submit("r", tasks));
    });
  });

  describe("when a task consumes an inline task", () => {
    it("waits for the inline task's regular dependencies and receives the inline call to evaluate", () => {
      const driver = new SchedulerDriver().machine("m1", { slots: 2 });
      driver.submit("r", [
        { id: "src", fn: "f" },
        { id: "double", fn: "g", type: "inline", args: ["src"], extraArgs: [2] },
        { id: "use", fn: "f", args: ["double"] },
      ]);
      expect(driver.running().map((c) => c.taskId)).toEqual(["src"]);
      driver.succeed("src");
      expect(driver.assignment("use").inputs).toEqual([
        {
          kind: "inline",
          taskId: "double",
          fn: "g",
          inputs: [{ kind: "result", taskId: "src", machine: "m1" }],
          extraArgs: [2],
          argumentInclusion: "variadic",
        },
      ]);
    });
  });

  describe("when tasks are collocated", () => {
    it("places the group where the merged cost fits and keeps members together", () => {
      const driver = new SchedulerDriver().machine("m1", { cpu: 1, slots: 4 }).machine("m2", { cpu: 4, slots: 4 });
      driver.submit("r", [
        { id: "a", fn: "f", cost: { cpu: 1 } },
        { id: "b", fn: "f", args: ["a"], cost: { cpu: 1 }, placement: { kind: "collocated", with: "a" } },
      ]);
      expect(driver.assignment("a").machine).toBe("m2");
      driver.succeed("a");
      expect(driver.assignment("b").machine).toBe("m2");
      driver.succeed("b");
      expect(driver.outcome("r")?.status).toBe("succeeded");
      expect(driver.state.ledger.totalUsed()).toBe(0);
    });
  });

  describe("when a machine goes offline mid-attempt", () => {
    it("fails the attempt as machine_lost and reruns it elsewhere without spending a retry", () => {
      const driver = new SchedulerDriver({ localMachine: "m1" }).machine("m1", { slots: 1 }).machine("m2", { slots: 1 });
      driver.submit("r", [{ id: "a", fn: "f", maxRetries: 0 }]);
      expect(driver.assignment("a").machine).toBe("m1");
      driver.send({ type: "machine_status_changed", now: 1, name: "m1", status: "offline" });
      const second = driver.assignment("a");
      expect([second.machine, second.attempt]).toEqual(["m2", 2]);
      driver.succeed("a");
      expect(driver.outcome("r")?.status).toBe("succeeded");
    });

    it("fails a waiting task with a named reason once no eligible machine came back in the grace period", () => {
      const driver = new SchedulerDriver({ noMachineGraceMs: 1000 }).machine("m1", { slots: 1 });
      driver.submit("r", [{ id: "a", fn: "f" }, { id: "b", fn: "f", args: ["a"], maxRetries: 0 }]);
      driver.succeed("a");
      driver.send({ type: "machine_status_changed", now: 10, name: "m1", status: "offline" });
      driver.now = 10;
      driver.tick(1010);
      // a's result lived only on m1: a must be recomputed first, and nothing can run it.
      expect(driver.taskState("r", "a")).toMatchObject({ state: "failed" });
      expect(driver.outcome("r")?.failures[0]).toMatchObject({ taskId: "a" });
      expect(driver.outcome("r")?.failures[0]?.message).toContain("no eligible machine");
    });

    it("counts machines too small even when idle as not eligible: the task fails after the grace period instead of waiting forever", () => {
      const driver = new SchedulerDriver({ noMachineGraceMs: 1000 }).machine("big", { cpu: 16, slots: 1 }).machine("small", { cpu: 4, slots: 4 });
      driver.submit("r", [{ id: "a", fn: "f", cost: { cpu: 16 } }]);
      expect(driver.assignment("a").machine).toBe("big");
      driver.send({ type: "machine_status_changed", now: 10, name: "big", status: "offline" });
      expect(driver.taskState("r", "a")?.reason).toMatch(/no online machine has the capacity for its cost/);
      driver.tick(500);
      expect(driver.outcome("r")).toBeUndefined();
      driver.tick(1020);
      expect(driver.outcome("r")?.failures[0]).toMatchObject({ taskId: "a", kind: "infeasible" });
      expect(driver.outcome("r")?.failures[0]?.message).toMatch(/no eligible machine for 1000 ms .*capacity for its cost/);
    });
  });

  describe("when a machine holding needed results goes offline", () => {
    it("recomputes the lost producer from lineage on a live machine, then runs the consumer", () => {
      const driver = new SchedulerDriver({ localMachine: "m1" }).machine("m1", { slots: 1 }).machine("m2", { slots: 1 });
      driver.submit("r", [
        { id: "a", fn: "f", placement: { kind: "auto" } },
        { id: "b", fn: "g", args: ["a"], placement: { kind: "pinned", machine: "m2" } },
        { id: "c", fn: "g", args: ["b"] },
      ]);
      expect(driver.assignment("a").machine).toBe("m1");
      driver.succeed("a");
      driver.send({ type: "machine_status_changed", now: 1, name: "m1", status: "offline" });
      // b was running on m2 and may have its input already; a is recomputed for whoever still needs it.
      driver.fail("b", "input lost");
      const again = driver.assignment("a");
      expect([again.machine, again.attempt]).toEqual(["m2", 2]);
      driver.succeed("a");
      driver.succeed("b");
      driver.succeed("c");
      expect(driver.outcome("r")?.status).toBe("succeeded");
      expect(driver.state.ledger.totalUsed()).toBe(0);
    });

    it("recomputes recursively when the producer's own inputs were on the same machine", () => {
      const driver = new SchedulerDriver({ localMachine: "m1" }).machine("m1", { slots: 2 }).machine("m2", { slots: 2 });
      driver.submit("r", [
        { id: "a", fn: "f" },
        { id: "b", fn: "f", args: ["a"] },
        { id: "c", fn: "g", args: ["b"], placement: { kind: "pinned", machine: "m2" } },
      ]);
      driver.succeed("a");
      driver.succeed("b");
      expect(driver.assignment("c").machine).toBe("m2");
      driver.send({ type: "machine_status_changed", now: 1, name: "m1", status: "offline" });
      driver.send({ type: "attempt_failed", now: 1, attemptId: driver.assignment("c").attemptId, machine: "m2", error: { kind: "result_lost", message: "b is gone" } });
      expect(driver.taskState("r", "c")?.state).toBe("waiting_for_dependencies");
      driver.succeed("a");
      driver.succeed("b");
      driver.succeed("c");
      const outcome = driver.outcome("r");
      expect(outcome?.status).toBe("succeeded");
      expect(outcome?.allocations).toEqual({ a: "m2", b: "m2", c: "m2" });
    });

    it("does nothing for intermediate results nobody needs any more", () => {
      const driver = new SchedulerDriver({ localMachine: "m1" }).machine("m1", { slots: 1 }).machine("m2", { slots: 2 });
      driver.submit("r", [
        { id: "a", fn: "f", placement: { kind: "pinned", machine: "m1" } },
        { id: "b", fn: "f", args: ["a"], placement: { kind: "pinned", machine: "m2" } },
        { id: "slow", fn: "g", placement: { kind: "pinned", machine: "m2" } },
      ]);
      driver.succeed("a");
      driver.succeed("b");
      driver.send({ type: "machine_status_changed", now: 1, name: "m1", status: "offline" });
      expect(driver.running().map((c) => c.taskId)).toEqual(["slow"]);
      driver.succeed("slow");
      expect(driver.outcome("r")?.status).toBe("succeeded");
    });
  });

  describe("when a machine holding a run's output goes offline before the run ends", () => {
    it("recomputes the lost sink and its lost lineage: the run never succeeds with an output already gone", () => {
      const driver = new SchedulerDriver({ localMachine: "m1" }).machine("m1", { slots: 1 }).machine("m2", { slots: 1 });
      driver.submit("r", [{ id: "a", fn: "f" }, { id: "sink", fn: "f", args: ["a"] }, { id: "slow", fn: "g", placement: { kind: "pinned", machine: "m2" } }]);
      driver.succeed("a");
      driver.succeed("sink");
      driver.send({ type: "machine_status_changed", now: 1, name: "m1", status: "offline" });
      expect(driver.taskState("r", "sink")?.state).toBe("waiting_for_dependencies");
      expect(driver.taskState("r", "sink")?.reason).toContain("recomputing");
      driver.succeed("slow");
      expect(driver.outcome("r")).toBeUndefined();
      expect(driver.assignment("a").machine).toBe("m2");
      driver.succeed("a");
      driver.succeed("sink");
      const outcome = driver.outcome("r");
      expect(outcome?.status).toBe("succeeded");
      expect(outcome?.allocations).toMatchObject({ a: "m2", sink: "m2" });
    });

    it("keeps a sink that lives on a machine still online", () => {
      const driver = new SchedulerDriver({ localMachine: "m1" }).machine("m1", { slots: 1 }).machine("m2", { slots: 1 });
      driver.submit("r", [{ id: "sink", fn: "f", placement: { kind: "pinned", machine: "m2" } }, { id: "slow", fn: "g", placement: { kind: "pinned", machine: "m2" } }]);
      driver.succeed("sink");
      driver.send({ type: "machine_status_changed", now: 1, name: "m1", status: "offline" });
      driver.succeed("slow");
      expect(driver.outcome("r")?.status).toBe("succeeded");
    });

    it("fails the run with result_lost when the lost sink is collocated and cannot be recomputed alone", () => {
      const driver = new SchedulerDriver({ localMachine: "m1" }).machine("m1", { slots: 2 }).machine("m2", { slots: 1 });
      driver.submit("r", [
        { id: "a", fn: "f" },
        { id: "sink", fn: "f", args: ["a"], placement: { kind: "collocated", with: "a" } },
        { id: "slow", fn: "g", placement: { kind: "pinned", machine: "m2" } },
      ]);
      driver.succeed("a");
      driver.succeed("sink");
      driver.send({ type: "machine_status_changed", now: 1, name: "m1", status: "offline" });
      const outcome = driver.outcome("r");
      expect(outcome?.status).not.toBe("succeeded");
      expect(outcome?.failures.map((failure) => failure.message).join(" ")).toContain("only on \"m1\"");
    });
  });

  describe("when reports arrive from the wrong place", () => {
    it("ignores a report from a machine the attempt was not assigned to", () => {
      const driver = new SchedulerDriver().machine("m1", { slots: 1 }).machine("m2", { slots: 1 });
      driver.submit("r", [{ id: "a", fn: "f" }]);
      const assign = driver.assignment("a");
      const other = assign.machine === "m1" ? "m2" : "m1";
      const commands = driver.send({ type: "attempt_succeeded", now: 1, attemptId: assign.attemptId, machine: other, result: 1 });
      expect(commands).toMatchObject([{ type: "report_ignored" }]);
      expect(driver.running()).toHaveLength(1);
    });
  });

  describe("when a run is cancelled", () => {
    it("aborts running attempts, cancels the rest and releases every claim", () => {
      const driver = new SchedulerDriver().machine("m1", { slots: 1 });
      driver.submit("r", [{ id: "a", fn: "f" }, { id: "b", fn: "f" }]);
      const commands = driver.send({ type: "run_cancel_requested", now: 5, runId: "r" });
      expect(commands.filter((c) => c.type === "abort_attempt")).toHaveLength(1);
      expect(driver.outcome("r")?.status).toBe("cancelled");
      expect(driver.state.ledger.totalUsed()).toBe(0);
    });
  });
});

function timerAt(commands: readonly SchedulerCommand[]): number {
  const timer = commands.findLast((c) => c.type === "set_timer");
  if (timer?.type !== "set_timer") throw new Error("no set_timer command");
  return timer.at;
}
