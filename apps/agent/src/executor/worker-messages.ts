import { getHeapStatistics } from "node:v8";
import type { FunctionMeta } from "@handoff/protocol";
import type { ModuleLoadError, ModuleSource } from "../functions/load-modules.ts";

export type EdgeTransform = { readonly fn: string; readonly args?: readonly unknown[] | undefined };

/**
 * An assign item's input after the main thread fetched every stored value: `value` carries the producer's result
 * (or, when the holder already ran the edge's encode, the encoded value — then `encode` is absent here).
 */
export type ResolvedInput =
  | {
      readonly kind: "value";
      readonly taskId: string;
      /** The producer's machine: the transforms' `sourceMachine`. */
      readonly source: string;
      readonly value: unknown;
      readonly encode?: EdgeTransform | undefined;
      readonly decode?: EdgeTransform | undefined;
    }
  | {
      /**
       * An input the function takes as a stream or a file (`FunctionInputs.as`): the worker opens it. `path` names the
       * store's file; a value the store holds in memory comes as `bytes` instead (a stream over them; no copy when shared).
       */
      readonly kind: "stored";
      readonly taskId: string;
      readonly source: string;
      readonly as: "stream" | "path";
      readonly path?: string | undefined;
      readonly bytes?: Uint8Array | undefined;
      readonly encode?: EdgeTransform | undefined;
      readonly decode?: EdgeTransform | undefined;
    }
  | {
      readonly kind: "inline";
      readonly taskId: string;
      readonly fn: string;
      readonly inputs: readonly ResolvedInput[];
      readonly extraArgs: readonly unknown[];
      readonly argumentInclusion: "variadic" | "as_list";
      readonly encode?: EdgeTransform | undefined;
      readonly decode?: EdgeTransform | undefined;
    };

export type AttemptCall = {
  readonly runId: string;
  readonly taskId: string;
  readonly attempt: number;
  readonly fn: string;
  readonly inputs: readonly ResolvedInput[];
  readonly extraArgs: readonly unknown[];
  readonly argumentInclusion: "variadic" | "as_list";
  /** Where a result the function returns as a stream of bytes is written (the store then takes the file in). */
  readonly outputPath?: string | undefined;
};

/** A result returned as a stream of bytes and written to `outputPath`: its size and its first bytes (the preview). */
export type StreamedResult = { readonly size: number; readonly head: Uint8Array };

export type TransformCall = {
  readonly runId: string;
  readonly taskId: string;
  readonly fn: string;
  readonly args: readonly unknown[];
  readonly value: unknown;
  readonly source: string;
  readonly target: string;
};

export type ToWorker =
  | { readonly type: "init"; readonly modules: readonly ModuleSource[]; readonly machine: string }
  | { readonly type: "run"; readonly jobId: number; readonly call: AttemptCall }
  | { readonly type: "transform"; readonly jobId: number; readonly call: TransformCall }
  | { readonly type: "abort"; readonly jobId: number; readonly reason: string };

export type WorkerMetrics = { readonly wallMs: number; readonly cpuMs: number; readonly heapUsedMb: number };

/**
 * This thread's V8 heap in use, in MB (`WorkerMetrics.heapUsedMb`): the figure `process.memoryUsage().heapUsed` gives,
 * without the process's RSS it also reads from /proc (three system calls per attempt).
 */
export const heapUsedMb = (): number => getHeapStatistics().used_heap_size / (1024 * 1024);

export type FromWorker =
  | { readonly type: "ready"; readonly functions: readonly FunctionMeta[] }
  | { readonly type: "init_failed"; readonly error: ModuleLoadError }
  | { readonly type: "log"; readonly jobId: number; readonly level: "info" | "warn" | "error"; readonly message: string; readonly at: number }
  | { readonly type: "done"; readonly jobId: number; readonly ok: true; readonly value: unknown; readonly streamed?: StreamedResult | undefined; readonly metrics: WorkerMetrics }
  | {
      readonly type: "done";
      readonly jobId: number;
      readonly ok: false;
      /** `non_retryable` when the function threw `NonRetryableError` (the class does not survive the thread boundary). */
      readonly kind: "function_failed" | "non_retryable";
      readonly message: string;
      readonly metrics: WorkerMetrics;
    };
