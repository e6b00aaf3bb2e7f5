import { describe, expect, it } from "vitest";
import { createInlineDerivation, inlineConsumers, inlineState, type InlineSourceTask } from "./inline-tasks.ts";

const file = {
  tasks: [
    { id: "text", args: [] },
    { id: "words", type: "inline", args: ["text"] },
    { id: "lower", type: "inline", args: ["words"] },
    { id: "count", args: ["lower"] },
    { id: "size", args: [{ from: "words" }] },
    { id: "unused", type: "inline", args: ["text"] },
  ],
};

const task = (taskId: string, state: InlineSourceTask["state"], extra: Partial<InlineSourceTask> = {}): InlineSourceTask => ({
  taskId, state, machine: null, attempts: 0, maxAttempts: 4, reason: null, startedAt: null, finishedAt: null, inline: false, ...extra,
});

describe("inline tasks in a run", () => {
  it("are evaluated in their scheduled consumers, through inline chains", () => {
    expect(Object.fromEntries(inlineConsumers(file))).toEqual({ words: ["count", "size"], lower: ["count"], unused: [] });
  });

  it("take their consumers' state: running while one runs, waiting while one has not run, succeeded when all did", () => {
    expect(inlineState([task("a", "succeeded"), task("b", "running")])).toBe("running");
    expect(inlineState([task("a", "succeeded"), task("b", "waiting_for_resources")])).toBe("waiting_for_dependencies");
    expect(inlineState([task("a", "succeeded"), task("b", "succeeded")])).toBe("succeeded");
    expect(inlineState([task("a", "succeeded"), task("b", "failed")])).toBe("failed");
    expect(inlineState([])).toBe("waiting_for_dependencies");
  });

  it("show their consumers' machines, attempts and times, and keep their object while the consumers do", () => {
    const derive = createInlineDerivation<InlineSourceTask>(file);
    const tasks = [
      task("text", "succeeded"),
      task("words", "waiting_for_dependencies", { inline: true }),
      task("lower", "waiting_for_dependencies", { inline: true }),
      task("count", "succeeded", { machine: "alpha", attempts: 1, startedAt: "2026-01-01T00:00:01Z", finishedAt: "2026-01-01T00:00:03Z" }),
      task("size", "succeeded", { machine: "beta", attempts: 2, startedAt: "2026-01-01T00:00:00Z", finishedAt: "2026-01-01T00:00:02Z" }),
      task("unused", "waiting_for_dependencies", { inline: true }),
    ];
    const shown = derive(tasks);
    expect(shown[0]).toBe(tasks[0]);
    expect(shown[1]).toMatchObject({ state: "succeeded", machine: "alpha, beta", attempts: 3, inlineIn: ["count", "size"], startedAt: "2026-01-01T00:00:00Z", finishedAt: "2026-01-01T00:00:03Z" });
    expect(shown[5]).toMatchObject({ state: "waiting_for_dependencies", inlineIn: [], reason: "inline, consumed by no task: never evaluated" });
    expect(derive([...tasks])[1]).toBe(shown[1]);
  });
});
