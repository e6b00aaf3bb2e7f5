import { z } from "zod";
import { TaskState, TurnDown } from "@handoff/core";

// The zod shape of core's placement explanations, for the procedures that answer with them (`.output()`).

const Resources = z.record(z.string(), z.number());
const TurnDownReason = z.enum(TurnDown);

/** Core's `PlacementExplanation`. */
export const PlacementExplanationOutput = z.object({
  machine: z.string().nullable(),
  rule: z.enum(["pinned", "collocated", "local_first", "first_fit", "most_free"]).optional(),
  cost: Resources,
  inputBytes: z.object({ here: z.number(), total: z.number() }).optional(),
  turnedDown: z.array(z.object({ reason: TurnDownReason, resources: z.array(z.string()).readonly().optional(), count: z.number().int() })).readonly(),
  summary: z.string(),
});

/** `runs.explainTask`'s answer. */
export const TaskExplanationOutput = z.object({
  taskId: z.string(),
  state: z.enum(TaskState),
  reason: z.string().optional(),
  dependencies: z.object({ done: z.number().int(), total: z.number().int(), waitingFor: z.array(z.string()).readonly() }).nullable(),
  placement: PlacementExplanationOutput.optional(),
  candidates: z
    .array(z.object({ machine: z.string(), status: z.enum(["online", "draining", "offline"]), verdict: z.union([TurnDownReason, z.literal("chosen")]), lacks: Resources.optional() }))
    .readonly()
    .optional(),
  /** From the live scheduler (candidates included), or from the stored attempts. */
  live: z.boolean(),
});
export type TaskExplanationOutput = z.infer<typeof TaskExplanationOutput>;
