export * from "./dag/model.ts";
export { ErrorKind, TASK_ERROR_KINDS, RETRYABLE_ERROR_KINDS, ATTEMPT_ERROR_KINDS, attemptErrorKind, type AttemptErrorKind, type DagProblem, type TaskError, type TaskErrorKind, type RetryableErrorKind } from "./errors.ts";
export { validateDag, taskIndex } from "./dag/validate-dag.ts";
export { validateRunOptions } from "./dag/validate-run-options.ts";
export { checkDag, type DagCheckContext } from "./dag/check-dag.ts";
export { checkSecretRefs, findSecretRefs, isSecretRef, secretNamesIn, SECRET_NAME_PATTERN, type FoundSecretRef, type SecretRef } from "./dag/secret-refs.ts";
export {
  Bounds,
  boundProblem,
  valueDepthProblem,
  MAX_TIMER_DELAY_MS,
  MAX_VALUE_DEPTH,
  type BoundName,
  type NumberBound,
  type DepthProblem,
} from "./limits/bounds.ts";
export {
  validateSignatures,
  functionCatalogue,
  type FunctionCatalogue,
  type FunctionOffer,
  type FunctionSignature,
  type ParamsValidator,
  type SignatureContext,
} from "./dag/validate-signatures.ts";
export { fits, addResources, subtractResources, mergeCosts, lacking, isEmptyCost, describeLacks } from "./placement/resources.ts";
export { allocate } from "./placement/allocate.ts";
export type { AllocTask, AllocMachine, AllocateOptions, Allocation, WaitReason } from "./placement/allocation.ts";
export { attemptCost, groupPlacementCost, placementCost, SLOT_ONLY } from "./placement/attempt-cost.ts";
export { machineSlots, withMachineSlots } from "./placement/machine-slots.ts";
export { collocationRoots } from "./placement/collocation-roots.ts";
export { previewPlacement, type PlacementPreview, type PreviewMachine } from "./placement/preview-placement.ts";
export {
  explainPlacement,
  classifyCandidates,
  classifyMachine,
  describeTurnedDown,
  TurnDown,
  type CandidateVerdict,
  type ExplainMachine,
  type ExplainOptions,
  type ExplainRequest,
  type PlacementExplanation,
  type PlacementRule,
  type TurnedDown,
} from "./placement/explain.ts";
export { explainTask, type TaskExplanation } from "./scheduler/explain-attempt.ts";
export { checkFeasibility, neededFunctions, type MachineInfo, type FunctionNeed } from "./placement/check-feasibility.ts";
export { ResourceLedger, type ClaimResult, type Claim } from "./ledger/resource-ledger.ts";
export {
  RunStatus,
  RUN_STATUSES,
  TERMINAL_RUN_STATUSES,
  isRunStatus,
  isTerminalRunStatus,
  type RunOutcomeStatus,
} from "./run/run-status.ts";
export { CATCH_UP_POLICIES, type CatchUpPolicy } from "./run/catch-up.ts";
export { decide, type Decision } from "./scheduler/decide.ts";
export { waitsForProducer } from "./scheduler/pre-assign.ts";
export { createSchedulerState, NO_RESULT, reportedResult, type SchedulerState, type SchedulerConfig } from "./scheduler/scheduler-state.ts";
export { compileDag, isReadyAtSubmission, type CompiledDag, type CompiledTask } from "./scheduler/compile-dag.ts";
export { READY_REASON } from "./scheduler/attempt-lifecycle.ts";
export type {
  AttemptId,
  InputRef,
  MachineAnnouncement,
  MachineStatus,
  RunId,
  RunResume,
  RunOptions,
  RunOutcome,
  SchedulerCommand,
  SchedulerEvent,
  TaskChange,
  TaskFailure,
} from "./scheduler/messages.ts";
