export { paramRef } from "@handoff/protocol";
export { Dag, edge, param, type DagTask, type DagOptions, type EdgeTransformInput } from "./dag-builder.ts";
export { DagFileError, DuplicateTaskError } from "./dag-file-error.ts";
export { NonRetryableError, isNonRetryable } from "./non-retryable-error.ts";
export { LazyAbort } from "./lazy-abort.ts";
export {
  defineFunction,
  defineTransform,
  defineFunctions,
  type HandoffFunction,
  type DefineFunctionOptions,
  type DefineTransformOptions,
} from "./define-function.ts";
export { FunctionRegistry, DuplicateFunctionError } from "./function-registry.ts";
export { currentTask, findCurrentTask, runWithTaskContext, NoTaskContextError, type TaskContext, type TaskLog } from "./current-task.ts";
export { std, stdFunctions } from "./std/index.ts";
export { ResultStore, type StoreLookup, type FetchRemote, type GetWithTimeoutOptions } from "./result-store.ts";
export { LocationRegistry, type LocationLookup } from "./location-registry.ts";
export { evaluateCall, evaluateInputs, callFunction, callTransform, type InputEvaluation, type InlineInput, type LeafInput, type EdgeCall } from "./evaluate-inputs.ts";
export { executeLocal, LOCAL_MACHINE, type ExecuteLocalOptions, type LogEntry } from "./execute-local.ts";
export { isByteStream } from "./local-delivery.ts";
export type { RunOutcome, RunOptions, DagSpec, TaskSpec } from "@handoff/core";
export { createClient, HandoffApiError, toApiError, type ClientOptions, type ExecuteOptions, type ExecuteOutcome, type StartOptions, type Materialized, type DagInput, type HandoffClient, type ResultReference } from "./client.ts";
