import { z } from "zod";
import { boundProblem, type NumberBound } from "@handoff/core";

/**
 * A zod number held to one of core's `Bounds`, with core's own message, so the DAG file, the wire and
 * `validateDag` refuse the same values in the same words.
 * @example
 * boundedNumber(Bounds.timeoutMs).safeParse(3e9) // fails: "must be an integer > 0 and ≤ 86400000 (24 h), got 3000000000"
 */
export function boundedNumber(bound: NumberBound) {
  return z.number().superRefine((value, ctx) => {
    const problem = boundProblem(bound, value);
    if (problem !== null) ctx.addIssue({ code: "custom", message: problem });
  });
}
