import { describe, expect, it } from "vitest";
import { FunctionMeta } from "@handoff/protocol";
import { runWithTaskContext, type TaskContext } from "../current-task.ts";
import { std } from "./std.ts";
import { stdFunctions } from "./std-functions.ts";

function inTask<T>(signal: AbortSignal, fn: () => T): T {
  const noop = (): void => undefined;
  const context: TaskContext = { signal, log: { info: noop, warn: noop, error: noop }, attempt: 0, runId: "r", taskId: "t", machine: "m" };
  return runWithTaskContext(context, fn);
}

describe("the standard library registry", () => {
  it("offers every std function with a valid catalogue entry", () => {
    expect(stdFunctions.names()).toEqual(
      ["bytes", "concat", "constant", "fail", "identity", "identity_edge", "length", "multiply", "pick", "sleep", "sum"].map((n) => `std.${n}`),
    );
    for (const meta of stdFunctions.list()) expect(FunctionMeta.parse(meta)).toEqual(meta);
    expect(stdFunctions.get("std.pick")?.meta.kind).toBe("transform");
    expect(stdFunctions.get("std.sum")?.meta.kind).toBe("function");
  });
});

describe("std.identity and std.constant", () => {
  it("return their first argument", () => {
    expect(std.identity.run({ a: 1 })).toEqual({ a: 1 });
    expect(std.identity.run(42)).toBe(42);
    expect(std.constant.run("hello", "ignored")).toBe("hello");
  });

  it("std.constant refuses to run without a value", () => {
    expect(() => std.constant.run()).toThrow(/needs one extra argument/);
  });
});

describe("std.sum and std.multiply", () => {
  it("work with variadic inputs, as_list inputs and a mix", () => {
    expect(std.sum.run(1, 2, 3)).toBe(6);
    expect(std.sum.run([1, 2, 3])).toBe(6);
    expect(std.sum.run([1, 2], 3)).toBe(6);
    expect(std.sum.run()).toBe(0);
    expect(std.multiply.run(42, 2)).toBe(84);
    expect(std.multiply.run([2, 3], 4)).toBe(24);
    expect(std.multiply.run()).toBe(1);
  });

  it("name the argument that is not a number", () => {
    expect(() => std.sum.run(1, "2")).toThrow(/std.sum: argument 2 contains a string/);
    expect(() => std.multiply.run([1, null])).toThrow(/std.multiply: argument 1 contains null/);
  });
});

describe("std.concat", () => {
  it("joins strings, arrays and bytes given one by one", () => {
    expect(std.concat.run("a", "b", "c")).toBe("abc");
    expect(std.concat.run([1], [2, 3], [])).toEqual([1, 2, 3]);
    expect(std.concat.run(new Uint8Array([1]), new Uint8Array([2, 3]))).toEqual(new Uint8Array([1, 2, 3]));
  });

  it("reads a single list of parts as the as_list form", () => {
    expect(std.concat.run(["a", "b"])).toBe("ab");
    expect(std.concat.run([[1], [2]])).toEqual([1, 2]);
    expect(std.concat.run([1, 2])).toEqual([1, 2]);
    expect(std.concat.run()).toBe("");
  });

  it("refuses mixed kinds", () => {
    expect(() => std.concat.run("a", [1])).toThrow(/only strings, only arrays or only bytes/);
  });
});

describe("std.sleep", () => {
  it("returns its value after the wait", async () => {
    await expect(std.sleep.run(5, "done")).resolves.toBe("done");
  });

  it("stops with the signal's reason when the task is aborted", async () => {
    const controller = new AbortController();
    const sleeping = inTask(controller.signal, () => std.sleep.run(60_000, "never")) as Promise<unknown>;
    controller.abort(new Error("cancelled by test"));
    await expect(sleeping).rejects.toThrow("cancelled by test");
  });

  it("does not start when the task is already aborted", async () => {
    const signal = AbortSignal.abort(new Error("already gone"));
    await expect(inTask(signal, () => std.sleep.run(60_000)) as Promise<unknown>).rejects.toThrow("already gone");
  });

  it("refuses a negative wait", async () => {
    await expect(std.sleep.run(-1) as Promise<unknown>).rejects.toThrow(/ms must be a number ≥ 0/);
  });
});

describe("std.fail", () => {
  it("throws its message", () => {
    expect(() => std.fail.run("boom")).toThrow("boom");
    expect(() => std.fail.run()).toThrow("std.fail was called");
  });
});

describe("std.bytes", () => {
  it("makes the same bytes for the same seed and different ones for another seed", () => {
    const a = std.bytes.run(37, 7) as Uint8Array;
    expect(a).toBeInstanceOf(Uint8Array);
    expect(a.byteLength).toBe(37);
    expect(std.bytes.run(37, 7)).toEqual(a);
    expect(std.bytes.run(37, 8)).not.toEqual(a);
    expect(std.bytes.run(37)).toEqual(std.bytes.run(37, 0));
    expect((std.bytes.run(0) as Uint8Array).byteLength).toBe(0);
  });

  it("looks random rather than constant", () => {
    const distinct = new Set(std.bytes.run(1024, 1) as Uint8Array);
    expect(distinct.size).toBeGreaterThan(200);
  });

  it("refuses a bad size", () => {
    expect(() => std.bytes.run(-1)).toThrow(/size must be an integer/);
    expect(() => std.bytes.run(1.5)).toThrow(/size must be an integer/);
  });
});

describe("std.length", () => {
  it("measures strings, arrays and bytes", () => {
    expect(std.length.run("abc")).toBe(3);
    expect(std.length.run([1, 2])).toBe(2);
    expect(std.length.run(new Uint8Array(5))).toBe(5);
  });

  it("refuses anything else", () => {
    expect(() => std.length.run(3)).toThrow(/expected a string, an array or bytes, got a number/);
  });
});

describe("std.identity_edge and std.pick", () => {
  it("identity_edge passes the value through", () => {
    expect(std.identity_edge.run({ a: 1 }, "m1", "m2")).toEqual({ a: 1 });
  });

  it("pick keeps one field or index", () => {
    expect(std.pick.run({ width: 3, height: 4 }, "m1", "m2", "width")).toBe(3);
    expect(std.pick.run(["a", "b"], "m1", "m1", 1)).toBe("b");
    expect(std.pick.run(new Uint8Array([9, 8]), "m1", "m1", 0)).toBe(9);
  });

  it("pick refuses a key the value does not have", () => {
    expect(() => std.pick.run({ width: 3 }, "m1", "m2", "depth")).toThrow(/"depth" is not in the value/);
    expect(() => std.pick.run([1], "m1", "m2", 5)).toThrow(/5 is not in the value/);
    expect(() => std.pick.run({}, "m1", "m2", "toString")).toThrow(/is not in the value/);
  });
});
