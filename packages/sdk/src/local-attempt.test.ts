import { describe, expect, it } from "vitest";
import { LiveAttempts, LocalAttempt } from "./local-attempt.ts";

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const attempt = (id: string): LocalAttempt => new LocalAttempt(id, "r", id, 0, silent);

describe("LiveAttempts", () => {
  it("finds, removes once and takes all, whatever the order of removal", () => {
    const live = new LiveAttempts();
    const [a, b, c] = [attempt("a"), attempt("b"), attempt("c")];
    for (const one of [a, b, c]) live.add(one);
    expect(live.remove(a)).toBe(true);
    expect(live.remove(a)).toBe(false); // a late result of a finished attempt is dropped
    expect(live.find("a")).toBeUndefined();
    expect(live.find("c")).toBe(c);
    expect(live.remove(c)).toBe(true);
    live.add(a);
    expect(live.takeAll().map((one) => one.attemptId).sort()).toEqual(["a", "b"]);
    expect(live.remove(b)).toBe(false);
    expect(live.find("b")).toBeUndefined();
  });
});

describe("LocalAttempt", () => {
  it("is aborted once, with the first reason, before or after its signal is asked for", async () => {
    const early = attempt("x");
    expect(early.abort(new Error("first"))).toBe(true);
    expect(early.abort(new Error("second"))).toBe(false);
    expect((early.signal.reason as Error).message).toBe("first");
    await expect(early.whenAborted()).rejects.toThrow("first");
    const late = attempt("y");
    const waiting = late.whenAborted();
    const { signal } = late;
    late.abort(new Error("timed out"));
    expect(signal.aborted).toBe(true);
    await expect(waiting).rejects.toThrow("timed out");
  });
});
