export {
  createResultStore,
  EvictionReason,
  type ResultLocation,
  type ResultMeta,
  type ResultStore,
  type ResultStoreOptions,
  type ResultStoreStats,
} from "./results/result-store.ts";
export {
  Grant,
  GrantEncode,
  GrantRejection,
  signGrant,
  verifyGrant,
  type GrantSecret,
  type GrantVerification,
} from "@handoff/protocol/grant";
export { startResultServer, type ResultServer, type ResultServerOptions } from "./results/result-server.ts";
export { fetchResult, type FetchResultOutcome, type FetchResultRequest } from "./results/fetch-result.ts";
export { createResultFetcher, type ResultFetcher } from "./results/result-fetcher.ts";
export { ResultFetchError } from "./results/result-fetch-error.ts";
export { ValueContentType } from "./results/value-bytes.ts";
export { type EncodeOnHolder } from "./results/result-server.ts";
export { startAgent, type AgentOptions, type RunningAgent } from "./agent.ts";
export { AGENT_VERSION } from "./agent-version.ts";
export { parseAgentArgs, AGENT_USAGE, type AgentArgs, type AgentArgsError, type ParsedAgentArgs } from "./parse-agent-args.ts";
export { runAgentCli } from "./cli.ts";
export { connectToServer, type Connection, type ConnectionOptions, type ConnectionFatal, type AgentLog, type AgentLogLevel } from "./connection.ts";
export { createExecutor, FunctionModuleError, type Executor, type ExecutorOptions, type JobOutcome, type JobLog, type AttemptFailureKind } from "./executor/executor.ts";
export { createAttemptRunner, type AttemptRunner, type AttemptRunnerOptions } from "./executor/attempt-runner.ts";
export { loadFunctionModules, collectFunctions, MODULE_EXTENSIONS, type LoadModulesResult, type ModuleLoadError, type ModuleSource, type ShippedModule } from "./functions/load-modules.ts";
export { bundleFunctionModule, BundleError, type FunctionBundle } from "./functions/bundle-function-module.ts";
export { detectCapacity } from "./machine/detect-capacity.ts";
export { createLoadSampler, type MachineLoad } from "./machine/load-sampler.ts";
export { loadMachineIdentity, type MachineIdentity } from "./identity/machine-identity.ts";
export { defaultAgentDataDir, prepareAgentDataDir, readTokenFile, UnsafePathError } from "./identity/agent-data-dir.ts";
