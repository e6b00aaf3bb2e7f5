import type { FunctionMeta } from "@handoff/protocol";
import type { z } from "zod";

/**
 * A function a task can run: its catalogue entry (plain data that travels) and the code (which does
 * not). `run` may return a value or a promise of one.
 */
export interface HandoffFunction {
  readonly meta: FunctionMeta;
  readonly run: (...args: unknown[]) => unknown;
  /** The zod schema the extra args were described with, for executors that want to check them. */
  readonly params?: z.ZodType;
}
