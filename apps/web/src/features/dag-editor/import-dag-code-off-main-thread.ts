"use client";
import type { DagCodeImport } from "@handoff/dag-code/import";
import type { DagCodeRequest, DagCodeResponse } from "./dag-code-messages.ts";
import { createWorkerChannel } from "./worker-channel.ts";

const dagCodeWorker = createWorkerChannel<DagCodeRequest, DagCodeResponse>(() => new Worker(new URL("./dag-code.worker.ts", import.meta.url)));

/**
 * `importDagCode` (TypeScript's parser, the module is never run) in a Web Worker, so neither the parser's
 * download nor a large module's parse blocks the editor; where no worker starts, the parser is loaded
 * lazily on the main thread instead.
 * @example const read = await importDagCodeOffMainThread(text, "pipeline.ts");
 */
export async function importDagCodeOffMainThread(text: string, fileName: string): Promise<DagCodeImport> {
  const answer = await dagCodeWorker.request({ text, fileName });
  if (answer !== null) return answer.result;
  const { importDagCode } = await import("@handoff/dag-code/import");
  return importDagCode(text, fileName);
}
