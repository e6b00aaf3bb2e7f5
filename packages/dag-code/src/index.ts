export { exportDagCode, SDK_MODULE } from "./export-dag-code.ts";
export { importDagCode, formatDagCodeProblem, MAX_DAG_CODE_CHARS, type DagCodeImport, type DagCodeProblem } from "./import-dag-code.ts";
export { findJsonSyntaxError, type JsonSyntaxError } from "./find-json-syntax-error.ts";
