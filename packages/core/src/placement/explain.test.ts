import { describe, expect, it } from "vitest";
import { SchedulerDriver } from "../scheduler/test-driver.ts";
import { explainTask } from "../scheduler/explain-attempt.ts";
import { classifyCandidates, explainPlacement, type ExplainMachine } from "./explain.ts";
import { previewPlacement } from "./preview-placement.ts";

const machine = (name: string, free: Record<string, number>, extra: Partial<ExplainMachine> = {}): ExplainMachine => ({
  name,
  status: "online",
  free,
  total: { cpu: 8, slots: 4 },
  functions: new Set(["f"]),
  ...extra,
});

describe("explainPlacement", () => {
  it("counts the machines turned down per reason, and names the rule that chose", () => {
    const machines = [
      machine("a1", { cpu: 1, slots: 4 }),
      machine("a2", { cpu: 0, slots: 4 }),
      machine("a3", { cpu: 1, slots: 4 }),
      machine("d", { cpu: 8, slots: 4 }, { status: "draining" }),
      machine("n1", { cpu: 8, slots: 4 }, { functions: new Set(["g"]) }),
      machine("n2", { cpu: 8, slots: 4 }, { functions: new Set(["g"]) }),
      machine("ok", { cpu: 8, slots: 4 }),
      machine("tiny", { cpu: 1, slots: 1 }, { total: { cpu: 1, slots: 1 } }),
    ];
    const explanation = explainPlacement({ cost: { cpu: 2, slots: 1 }, functions: ["f"] }, machines, "ok", { strategy: "first_available" });
    expect(explanation.machine).toBe("ok");
    expect(explanation.rule).toBe("first_fit");
    expect(explanation.turnedDown).toEqual([
      { reason: "lacks", resources: ["cpu"], count: 3 },
      { reason: "function_not_offered", count: 2 },
      { reason: "draining", count: 1 },
      { reason: "too_small", resources: ["cpu"], count: 1 },
    ]);
    expect(explanation.summary).toContain("lacks cpu ×3");
  });

  it("says a pinned task's other machines were turned down as pinned elsewhere", () => {
    const machines = [machine("m1", { cpu: 8, slots: 4 }), machine("m2", { cpu: 8, slots: 4 }), machine("m3", { cpu: 8, slots: 4 }, { status: "offline" })];
    const explanation = explainPlacement({ cost: { slots: 1 }, functions: ["f"], pinnedTo: "m2" }, machines, "m2", { strategy: "first_available" });
    expect(explanation).toMatchObject({ machine: "m2", rule: "pinned", turnedDown: [{ reason: "pinned_elsewhere", count: 2 }] });
  });

  it("says what a waiting task waits for: free capacity of which resource", () => {
    const machines = [machine("m1", { cpu: 8, slots: 0 }), machine("m2", { cpu: 8, slots: 0 }), machine("m3", { cpu: 8, slots: 4 }, { status: "draining" })];
    const explanation = explainPlacement({ cost: { slots: 1 }, functions: ["f"] }, machines, null, { strategy: "first_available" });
    expect(explanation.machine).toBeNull();
    expect(explanation.turnedDown).toEqual([
      { reason: "lacks", resources: ["slots"], count: 2 },
      { reason: "draining", count: 1 },
    ]);
    expect(explanation.summary).toMatch(/^waits for free capacity \(slots\)/);
  });

  it("counts the input bytes already on the chosen machine", () => {
    const explanation = explainPlacement({ cost: { slots: 1 }, functions: [] }, [machine("m1", { slots: 1 })], "m1", {
      strategy: "load_balanced",
      inputBytes: { total: 300, on: (name) => (name === "m1" ? 200 : 100) },
    });
    expect(explanation).toMatchObject({ rule: "most_free", inputBytes: { here: 200, total: 300 } });
    expect(explanation.summary).toContain("200 of 300 input bytes already there");
  });

  it("lists every candidate with its verdict on demand", () => {
    const list = classifyCandidates({ cost: { cpu: 2, slots: 1 }, functions: ["f"] }, [machine("b", { cpu: 1, slots: 1 }), machine("a", { cpu: 4, slots: 1 })], "a");
    expect(list).toEqual([
      { machine: "a", status: "online", verdict: "chosen" },
      { machine: "b", status: "online", verdict: "lacks", lacks: { cpu: 1 } },
    ]);
  });
});

describe("the scheduler's placement explanations", () => {
  it("records why an attempt runs where it does, and says live why a task waits", () => {
    const driver = new SchedulerDriver().machine("m1", { slots: 1 }).machine("m2", { slots: 1 }).machine("m3", { slots: 4 }, ["g"]);
    driver.send({ type: "machine_status_changed", now: 0, name: "m2", status: "draining" });
    driver.submit("r", [{ id: "a", fn: "f" }, { id: "b", fn: "f" }]);
    const assign = driver.assignment("a");
    expect(assign.placement).toMatchObject({ machine: "m1", rule: "first_fit" });
    expect(assign.placement?.turnedDown).toEqual([
      { reason: "draining", count: 1 },
      { reason: "function_not_offered", count: 1 },
    ]);
    const waiting = driver.log.filter((c) => c.type === "task_changed" && c.change.taskId === "b" && c.change.state === "waiting_for_resources").at(-1);
    const why = waiting?.type === "task_changed" ? waiting.change.placement : undefined;
    expect(why?.machine).toBeNull();
    expect(why?.turnedDown).toEqual([
      { reason: "draining", count: 1 },
      { reason: "function_not_offered", count: 1 },
      { reason: "lacks", resources: ["slots"], count: 1 },
    ]);
    const now = explainTask(driver.state, "r", "b");
    expect(now?.candidates).toEqual([
      { machine: "m1", status: "online", verdict: "lacks", lacks: { slots: 1 } },
      { machine: "m2", status: "draining", verdict: "draining" },
      { machine: "m3", status: "online", verdict: "function_not_offered" },
    ]);
  });

  it("counts a waiting task's dependencies done of all", () => {
    const driver = new SchedulerDriver().machine("m1", { slots: 4 });
    driver.submit("r", [{ id: "a", fn: "f" }, { id: "b", fn: "f" }, { id: "c", fn: "f", args: ["a", "b"] }]);
    driver.succeed("a");
    expect(explainTask(driver.state, "r", "c")).toMatchObject({ state: "waiting_for_dependencies", dependencies: { done: 1, total: 2, waitingFor: ["b"] } });
    expect(explainTask(driver.state, "r", "nope")).toBeUndefined();
  });

  it("gives the editor's preview the same explanation as the scheduler", () => {
    const machines = [
      { name: "m1", free: { slots: 0 }, total: { slots: 1 }, functions: new Set(["f"]) },
      { name: "m2", free: { slots: 1 }, total: { slots: 1 }, functions: new Set(["f"]), status: "draining" as const },
      { name: "m3", free: { slots: 1 }, total: { slots: 1 }, functions: new Set(["f"]) },
    ];
    const preview = previewPlacement({ tasks: [{ id: "a", fn: "f" }] }, machines, { strategy: "first_available" });
    expect(preview["a"]).toMatchObject({ machine: "m3", explanation: { rule: "first_fit" } });
    expect(preview["a"]?.explanation?.turnedDown).toEqual([
      { reason: "draining", count: 1 },
      { reason: "lacks", resources: ["slots"], count: 1 },
    ]);
  });
});
