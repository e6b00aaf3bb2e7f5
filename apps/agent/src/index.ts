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
  GrantRejection,
  signGrant,
  verifyGrant,
  type GrantSecret,
  type GrantVerification,
} from "./results/grant.ts";
export { startResultServer, type ResultServer, type ResultServerOptions } from "./results/result-server.ts";
export { fetchResult, type FetchResultOutcome, type FetchResultRequest } from "./results/fetch-result.ts";
export { createResultFetcher, type ResultFetcher } from "./results/result-fetcher.ts";
export { ResultFetchError } from "./results/result-fetch-error.ts";
export { ValueContentType } from "./results/value-bytes.ts";
