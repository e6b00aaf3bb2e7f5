import { describe, expect, it } from "vitest";
import { ATTEMPT_ERROR_KINDS, attemptErrorKind, ErrorKind, TASK_ERROR_KINDS } from "./errors.ts";

describe("what an agent may report for a failed attempt", () => {
  it("keeps every attempt kind as reported", () => {
    for (const kind of ATTEMPT_ERROR_KINDS) expect(attemptErrorKind(kind)).toBe(kind);
  });

  it("reads the scheduler's own verdicts and unknown words as the function's failure", () => {
    expect(attemptErrorKind(ErrorKind.UpstreamFailed)).toBe(ErrorKind.FunctionFailed);
    expect(attemptErrorKind(ErrorKind.Infeasible)).toBe(ErrorKind.FunctionFailed);
    expect(attemptErrorKind("made_up")).toBe(ErrorKind.FunctionFailed);
  });

  it("is a subset of the task error kinds", () => {
    for (const kind of ATTEMPT_ERROR_KINDS) expect(TASK_ERROR_KINDS).toContain(kind);
  });
});
