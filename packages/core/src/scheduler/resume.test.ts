import { describe, expect, it } from "vitest";
import type { TaskSpec } from "../dag/model.ts";
import { SchedulerDriver } from "./test-driver.ts";
import type { RunResume } from "./messages.ts";

const chain: TaskSpec[] = [
  { id: "a", fn: "f" },
  { id: "b", fn: "f", args: ["a"] },
  { id: "c", fn: "g", args: ["b"] },
];

function resume(driver: SchedulerDriver, tasks: RunResume["tasks"], specs: readonly TaskSpec[] = chain) {
  return driver.send({ type: "run_submitted", now: driver.now, runId: "r", dag: { tasks: specs }, resume: { tasks } });
}

describe("a run resumed after a server restart", () => {
  it("keeps succeeded tasks where their results are and continues attempt numbering", () => {
    const driver = new SchedulerDriver().machine("m1", { slots: 2 });
    const commands = resume(driver, { a: { attempts: 1, succeeded: { machine: "m1", result: "a-value" } }, b: { attempts: 2 } });
    const assign = commands.find((command) => command.type === "assign_task");
    expect(assign).toMatchObject({ taskId: "b", attempt: 3, attemptId: "r/b#3", inputs: [{ kind: "result", taskId: "a", machine: "m1" }] });
    driver.succeed("b");
    driver.succeed("c");
    expect(driver.outcome("r")).toMatchObject({ status: "succeeded", results: { a: "a-value", b: "b-value", c: "c-value" } });
    expect(driver.state.ledger.totalUsed()).toBe(0);
  });

  it("adopts an attempt still running on a machine that came back: it is claimed, not started again, and its report counts", () => {
    const driver = new SchedulerDriver().machine("m1", { slots: 1 });
    const commands = resume(driver, { a: { attempts: 1, succeeded: { machine: "m1", result: "a-value" } }, b: { attempts: 1, running: { attemptId: "r/b#1", machine: "m1" } } });
    expect(commands.filter((command) => command.type === "assign_task" || command.type === "abort_attempt")).toEqual([]);
    expect(driver.taskState("r", "b")?.state).toBe("running");
    expect(driver.state.ledger.used("m1")).toMatchObject({ slots: 1 });
    const next = driver.send({ type: "attempt_succeeded", now: 1, attemptId: "r/b#1", machine: "m1", result: "b-value" });
    expect(next.find((command) => command.type === "assign_task")).toMatchObject({ taskId: "c", attempt: 1 });
    driver.succeed("c");
    expect(driver.outcome("r")?.status).toBe("succeeded");
    expect(driver.state.ledger.totalUsed()).toBe(0);
  });

  it("aborts an attempt it cannot adopt (its machine is gone) and runs the task again elsewhere", () => {
    const driver = new SchedulerDriver().machine("m1", { slots: 1 }).machine("m2", { slots: 1 });
    driver.send({ type: "machine_status_changed", now: 0, name: "m2", status: "offline" });
    const commands = resume(driver, { a: { attempts: 1, running: { attemptId: "r/a#1", machine: "m2" } } });
    expect(commands.find((command) => command.type === "abort_attempt")).toMatchObject({ attemptId: "r/a#1", machine: "m2" });
    expect(commands.find((command) => command.type === "assign_task")).toMatchObject({ taskId: "a", machine: "m1", attempt: 2 });
    // A late report of the old attempt is fenced.
    expect(driver.send({ type: "attempt_succeeded", now: 1, attemptId: "r/a#1", machine: "m2", result: "stale" }).map((command) => command.type)).toEqual(["report_ignored"]);
  });

  it("does not reject a resumed run whose machines have not reconnected yet", () => {
    const driver = new SchedulerDriver().machine("m1", { slots: 1 });
    driver.send({ type: "machine_status_changed", now: 0, name: "m1", status: "offline" });
    const commands = resume(driver, { a: { attempts: 1, succeeded: { machine: "m1", result: "a-value" } } });
    expect(commands.some((command) => command.type === "run_finished")).toBe(false);
    expect(driver.taskState("r", "b")?.state).toBe("waiting_for_resources");
  });
});

describe("a re-run that takes over results of an earlier run (succeeded with no attempt of its own)", () => {
  it("places a task on the machine holding its reused inputs when it fits, not where the strategy would", () => {
    const driver = new SchedulerDriver().machine("m1", { slots: 2 }).machine("m2", { slots: 2 });
    const commands = resume(driver, { a: { attempts: 0, succeeded: { machine: "m2", result: "a-value" } } });
    expect(commands.find((command) => command.type === "assign_task")).toMatchObject({ taskId: "b", machine: "m2", attempt: 1 });
  });

  it("leaves placement to the strategy for inputs made in the run itself (or resumed after a restart)", () => {
    const driver = new SchedulerDriver().machine("m1", { slots: 2 }).machine("m2", { slots: 2 });
    const commands = resume(driver, { a: { attempts: 1, succeeded: { machine: "m2", result: "a-value" } } });
    expect(commands.find((command) => command.type === "assign_task")).toMatchObject({ taskId: "b", machine: "m1" });
  });
});
