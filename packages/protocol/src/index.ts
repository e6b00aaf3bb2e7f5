export {
  DAG_FILE_FORMAT,
  DAG_FILE_VERSION,
  MAX_ID_LENGTH,
  CanvasPosition,
  TaskJson,
  DagFile,
  parseDagFile,
  parseTaskJson,
  type ParseResult,
} from "./dag-file.ts";
export { toDagSpec, toTaskSpec } from "./dag-spec.ts";
export {
  PARAM_REF_KEY,
  PARAM_TYPES,
  MAX_PARAMS,
  ParamName,
  ParamSchema,
  DagParams,
  ParamArgJson,
  ParamValues,
  isParamArg,
  producerOf,
  isParamRef,
  paramRef,
  paramReferences,
  substituteParamRefs,
  type ParamType,
  type ParamReference,
} from "./dag-params.ts";
export { bindParams, bindForCheck, PARAM_INPUT_FN, type BindResult, type BoundDag } from "./bind-params.ts";
export { boundedNumber } from "./bounded-number.ts";
export { MAX_SERVER_URLS, parseServerUrls, type ParsedServerUrls } from "./server-urls.ts";
export { describeIssues, formatIssues, formatPath, type SchemaIssue } from "./format-issues.ts";
export { FUNCTION_NAME_PATTERN, MAX_NAME_LENGTH, FunctionNameText, functionNamespace } from "./function-name.ts";
export { FunctionInputs, FunctionKind, FunctionMeta, InputDelivery, inputDelivery } from "./function-meta.ts";
export { MAX_BUNDLE_BYTES, MAX_BUNDLE_FUNCTIONS, BundleCatalogue, BundleHash, BundleSource, BundleWant } from "./function-bundle.ts";
export { validateJsonSchema, formatJsonSchemaIssues, type JsonSchemaIssue } from "./json-schema.ts";
export { JsonValue, findJsonProblem, describeKind, isPlainObject, type JsonProblem } from "./json-value.ts";
export { ApiErrorBody, toApiErrorBody, httpStatusOf, type Failure } from "./api-error.ts";
export { BYTES_JSON_KEY, toBytesJson, isBytesJson, fromBytesJson, bytesJsonSize, type BytesJson } from "./bytes-json.ts";
export { ValueFrame, ValueCodecError, encodeValue, decodeValue, valueSize, previewValue, previewBytesHead, encodeWithPreview, type ValuePreview } from "./value-codec.ts";
export * from "./wire/agent-messages.ts";
export {
  AgentToServer,
  ServerToAgent,
  parseReply,
  type EmitEvents,
  type InvalidReply,
  type ListenEvents,
  type NoticeEvent,
  type PayloadOf,
  type ReplyOf,
  type RequestEvent,
} from "./wire/agent-events.ts";
export { setLongTimeout, clearLongTimeout, type LongTimeout } from "./timers/long-timeout.ts";
export { findSecretRefs, isSecretRef, secretNamesIn, type FoundSecretRef, type SecretRef } from "@handoff/core";
