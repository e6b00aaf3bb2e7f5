import { describe, expect, it } from "vitest";
import type { Placement, Resources } from "../dag/model.ts";
import { allocate } from "./allocate.ts";
import type { AllocMachine, AllocTask } from "./allocation.ts";

const auto: Placement = { kind: "auto" };
const pinned = (machine: string): Placement => ({ kind: "pinned", machine });
const collocated = (target: string): Placement => ({ kind: "collocated", with: target });

function task(id: string, cost: Resources, placement: Placement = auto, functions?: string[]): AllocTask {
  return functions === undefined ? { id, cost, placement } : { id, cost, placement, functions };
}

function machine(name: string, free: Resources, extra: Partial<AllocMachine> = {}): AllocMachine {
  return { name, free, ...extra };
}

function placements(result: ReturnType<typeof allocate>): Record<string, string> {
  return Object.fromEntries(result.placed);
}

describe("first_available (Handoff's worked examples, §6.4)", () => {
  const twoNodes = [machine("self", { cpu: 4, memory: 2000 }), machine("node2", { cpu: 4, memory: 2000 })];

  it("places pinned first, then moves a chosen machine to the front (self / node2 / self)", () => {
    const result = allocate(
      [
        task("source", { cpu: 1, memory: 1950 }, pinned("self")),
        task("concatenated", { cpu: 1, memory: 2000 }),
        task("final", { cpu: 1, memory: 50 }),
      ],
      twoNodes,
      { localMachine: "self" },
    );
    expect(placements(result)).toEqual({ source: "self", concatenated: "node2", final: "self" });
    expect(result.waiting.size).toBe(0);
  });

  it("places pinned tasks before dynamic ones regardless of list order", () => {
    const result = allocate(
      [
        task("source", { cpu: 1, memory: 1950 }),
        task("concatenated", { memory: 100 }, pinned("self")),
        task("final", { memory: 50 }, pinned("node2")),
      ],
      twoNodes,
      { localMachine: "self" },
    );
    expect(placements(result)).toEqual({ source: "node2", concatenated: "self", final: "node2" });
  });

  it("puts the local machine first and follows the most recently chosen one", () => {
    const result = allocate(
      [task("fn1", { cpu: 1 }), task("fn2", { cpu: 3 }), task("fn3", { memory: 1500 })],
      [machine("node2", { cpu: 4, memory: 2000 }), machine("node1", { cpu: 2, memory: 1000 })],
      { localMachine: "node1" },
    );
    expect(placements(result)).toEqual({ fn1: "node1", fn2: "node2", fn3: "node2" });
  });

  describe("when a collocation chain hangs off a pinned root", () => {
    const chain = (root: string): AllocTask[] => [
      task("f1", { cpu: 1 }, pinned(root)),
      task("f2", { cpu: 1 }, collocated("f1")),
      task("f3", { cpu: 1 }, collocated("f2")),
      task("f4", { cpu: 1 }, collocated("f3")),
      task("f5", { cpu: 0 }),
    ];
    const nodes = [machine("self", { cpu: 4 }), machine("node2", { cpu: 0 })];

    it("places the whole chain with its merged cost when it fits exactly", () => {
      const result = allocate(chain("self"), nodes, { localMachine: "self" });
      expect(placements(result)).toEqual({ f1: "self", f2: "self", f3: "self", f4: "self", f5: "self" });
    });

    it("leaves the whole group waiting, naming the pinned machine and what it lacks, where Handoff raised", () => {
      const result = allocate(chain("node2"), nodes, { localMachine: "self" });
      expect(placements(result)).toEqual({ f5: "self" });
      for (const id of ["f1", "f2", "f3", "f4"]) {
        expect(result.waiting.get(id)).toMatchObject({ kind: "busy", closestMachine: "node2", lacks: { cpu: 4 } });
      }
      expect(result.waiting.get("f1")?.message).toContain("node2");
    });
  });

  it("leaves the second of two pinned tasks waiting when the first used the memory (task_B)", () => {
    const result = allocate(
      [task("task_A", { cpu: 1, memory: 1900 }, pinned("self")), task("task_B", { cpu: 1, memory: 150 }, pinned("self"))],
      [machine("self", { cpu: 4, memory: 2000 })],
      { localMachine: "self" },
    );
    expect(placements(result)).toEqual({ task_A: "self" });
    expect(result.waiting.get("task_B")).toMatchObject({ kind: "busy", closestMachine: "self", lacks: { memory: 50 } });
  });

  it("leaves a collocated pair waiting when its merged cost exceeds the pinned machine (task_A)", () => {
    const result = allocate(
      [task("task_A", { cpu: 1, memory: 1900 }, pinned("self")), task("task_B", { cpu: 1, memory: 150 }, collocated("task_A"))],
      [machine("self", { cpu: 4, memory: 2000 })],
      { localMachine: "self" },
    );
    expect(result.placed.size).toBe(0);
    expect(result.waiting.get("task_A")).toMatchObject({ kind: "busy", closestMachine: "self", lacks: { memory: 50 } });
    expect(result.waiting.get("task_B")).toMatchObject({ kind: "busy", closestMachine: "self", lacks: { memory: 50 } });
  });

  it("spills four unit tasks two per machine when the local one has no compute (allocate_and_claim, one call)", () => {
    const result = allocate(
      ["t1", "t2", "t3", "t4"].map((id) => task(id, { compute: 1 })),
      [machine("self", { compute: 0 }), machine("a", { compute: 2 }), machine("b", { compute: 2 })],
      { localMachine: "self" },
    );
    expect(placements(result)).toEqual({ t1: "a", t2: "a", t3: "b", t4: "b" });
  });
});

describe("first_available beyond Handoff", () => {
  it("waits instead of falling back when no machine fits a dynamic task, naming the smallest shortfall", () => {
    const result = allocate([task("big", { cpu: 5, memory: 10 })], [machine("m1", { cpu: 1, memory: 10 }), machine("m2", { cpu: 4, memory: 8 })]);
    expect(result.placed.size).toBe(0);
    expect(result.waiting.get("big")).toMatchObject({ kind: "busy", closestMachine: "m2", lacks: { cpu: 1, memory: 2 } });
  });

  it("breaks a shortfall tie by machine name", () => {
    const result = allocate([task("t", { cpu: 3 })], [machine("zeta", { cpu: 2 }), machine("alpha", { cpu: 2 })]);
    expect(result.waiting.get("t")).toMatchObject({ closestMachine: "alpha", lacks: { cpu: 1 } });
  });

  it("gives a cost-less task the first machine of the current order without subtracting anything", () => {
    const result = allocate(
      [task("heavy", { cpu: 2 }), task("free", {}), task("next", { cpu: 2 })],
      [machine("a", { cpu: 1 }), machine("b", { cpu: 2 })],
    );
    // "heavy" moves b to the front; "free" follows it; "next" finds b used up and a too small.
    expect(placements(result)).toEqual({ heavy: "b", free: "b" });
    expect(result.waiting.get("next")).toMatchObject({ kind: "busy", closestMachine: "a", lacks: { cpu: 1 } });
  });

  it("sticks to the most recently chosen machine even when an earlier one has room again", () => {
    const result = allocate(
      [task("t1", { cpu: 2 }), task("t2", { cpu: 1 })],
      [machine("a", { cpu: 1 }), machine("b", { cpu: 4 })],
    );
    expect(placements(result)).toEqual({ t1: "b", t2: "b" });
  });

  it("waits with no_eligible_machine when pinned to a machine that is not eligible", () => {
    const result = allocate([task("t", {}, pinned("gone"))], [machine("a", { cpu: 1 })]);
    expect(result.waiting.get("t")).toMatchObject({ kind: "no_eligible_machine" });
    expect(result.waiting.get("t")?.message).toContain("gone");
  });

  it("waits with no_eligible_machine when no machine is online", () => {
    const result = allocate([task("t", { cpu: 1 })], []);
    expect(result.waiting.get("t")?.kind).toBe("no_eligible_machine");
  });

  it("treats a collocation target outside the batch as not placed", () => {
    const result = allocate([task("member", { cpu: 1 }, collocated("elsewhere"))], [machine("a", { cpu: 4 })]);
    const wait = result.waiting.get("member");
    expect(wait?.kind).toBe("no_eligible_machine");
    expect(wait?.message).toContain('collocation target "elsewhere" is not placed');
  });
});

describe("function eligibility", () => {
  const machines = [
    machine("a", { cpu: 4 }, { functions: new Set(["load"]) }),
    machine("b", { cpu: 4 }, { functions: new Set(["load", "train"]) }),
  ];

  it("skips machines that do not offer every function the task needs", () => {
    const result = allocate([task("t", { cpu: 1 }, auto, ["load", "train"])], machines);
    expect(placements(result)).toEqual({ t: "b" });
  });

  it("lets a machine without a function list take anything", () => {
    const result = allocate([task("t", { cpu: 1 }, auto, ["exotic"])], [...machines, machine("c", { cpu: 1 })]);
    expect(placements(result)).toEqual({ t: "c" });
  });

  it("gives a cost-less task the first machine that offers its functions", () => {
    const result = allocate([task("t", {}, auto, ["train"])], machines);
    expect(placements(result)).toEqual({ t: "b" });
  });

  it("requires the group's functions together for a collocation group", () => {
    const result = allocate(
      [task("root", { cpu: 1 }, auto, ["load"]), task("member", { cpu: 1 }, collocated("root"), ["train"])],
      machines,
    );
    expect(placements(result)).toEqual({ root: "b", member: "b" });
  });

  it("waits with no_eligible_machine when no machine offers a function", () => {
    const result = allocate([task("t", { cpu: 1 }, auto, ["missing"])], machines);
    expect(result.waiting.get("t")).toMatchObject({ kind: "no_eligible_machine" });
    expect(result.waiting.get("t")?.message).toContain("missing");
  });

  it("waits with no_eligible_machine when the pinned machine lacks a function", () => {
    const result = allocate([task("t", { cpu: 1 }, pinned("a"), ["train"])], machines);
    expect(result.waiting.get("t")).toMatchObject({ kind: "no_eligible_machine" });
    expect(result.waiting.get("t")?.message).toContain("train");
  });
});

describe("load_balanced", () => {
  it("spreads equal tasks across equal machines, ties going to the first name", () => {
    const result = allocate(
      ["t1", "t2", "t3", "t4"].map((id) => task(id, { cpu: 1 })),
      [machine("b", { cpu: 4 }), machine("a", { cpu: 4 })],
      { strategy: "load_balanced" },
    );
    expect(placements(result)).toEqual({ t1: "a", t2: "b", t3: "a", t4: "b" });
  });

  it("uses fractions of total capacity, not absolute amounts", () => {
    // big: 8 free of 16 → after 7/16; small: 2 free of 2 → after 1/2. The small machine is emptier.
    const result = allocate(
      [task("t", { cpu: 1 })],
      [machine("big", { cpu: 8 }, { total: { cpu: 16 } }), machine("small", { cpu: 2 }, { total: { cpu: 2 } })],
      { strategy: "load_balanced" },
    );
    expect(placements(result)).toEqual({ t: "small" });
  });

  it("scores a machine by its scarcest cost key", () => {
    const result = allocate(
      [task("t", { cpu: 1, memory: 100 })],
      [machine("a", { cpu: 10, memory: 200 }), machine("b", { cpu: 2, memory: 1000 })],
      { strategy: "load_balanced" },
    );
    // a: min(9/10, 100/200) = 0.5; b: min(1/2, 900/1000) = 0.5 → tie, by name.
    expect(placements(result)).toEqual({ t: "a" });
    const skewed = allocate(
      [task("t", { cpu: 1, memory: 100 })],
      [machine("a", { cpu: 10, memory: 150 }), machine("b", { cpu: 2, memory: 1000 })],
      { strategy: "load_balanced" },
    );
    expect(placements(skewed)).toEqual({ t: "b" });
  });

  it("sends a cost-less task to the machine with the largest free slots fraction", () => {
    const result = allocate(
      [task("t", {})],
      [machine("a", { slots: 1 }, { total: { slots: 4 } }), machine("b", { slots: 2 }, { total: { slots: 4 } })],
      { strategy: "load_balanced" },
    );
    expect(placements(result)).toEqual({ t: "b" });
  });

  it("places pinned tasks first and leaves what does not fit waiting", () => {
    const result = allocate(
      [task("dyn", { cpu: 2 }), task("pin", { cpu: 3 }, pinned("a"))],
      [machine("a", { cpu: 4 }), machine("b", { cpu: 1 })],
      { strategy: "load_balanced" },
    );
    expect(placements(result)).toEqual({ pin: "a" });
    expect(result.waiting.get("dyn")).toMatchObject({ kind: "busy", closestMachine: "a", lacks: { cpu: 1 } });
  });
});

describe("when a task prefers the machine holding its reused inputs", () => {
  const machines = [machine("m1", { cpu: 2 }), machine("m2", { cpu: 2 })];

  it("goes there when it fits, whatever the strategy's order", () => {
    for (const strategy of ["first_available", "load_balanced"] as const) {
      expect(placements(allocate([{ ...task("b", { cpu: 1 }), prefer: "m2" }], machines, { strategy }))).toEqual({ b: "m2" });
    }
  });

  it("falls back to the strategy when the preferred machine is busy or unknown", () => {
    expect(placements(allocate([{ ...task("b", { cpu: 3 }), prefer: "m2" }], [machine("m1", { cpu: 4 }), machine("m2", { cpu: 2 })]))).toEqual({ b: "m1" });
    expect(placements(allocate([{ ...task("b", { cpu: 1 }), prefer: "gone" }], machines))).toEqual({ b: "m1" });
  });
});
