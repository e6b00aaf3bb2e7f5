"use client";
import type { DagCodeImport } from "@handoff/dag-code/import";
import type { DagCodeRequest, DagCodeResponse } from "./dag-code-messages.ts";

let worker: Worker | null | undefined;
let nextId = 0;
const pending = new Map<number, (result: DagCodeImport | null) => void>();

function dagCodeWorker(): Worker | null {
  if (worker !== undefined) return worker;
  try {
    worker = typeof Worker === "undefined" ? null : new Worker(new URL("./dag-code.worker.ts", import.meta.url));
  } catch {
    worker = null;
  }
  if (worker !== null) {
    worker.onmessage = (event: MessageEvent<DagCodeResponse>) => {
      pending.get(event.data.id)?.(event.data.result);
      pending.delete(event.data.id);
    };
    worker.onerror = () => {
      // A worker that cannot load: every waiting import falls back to parsing here.
      for (const resolve of pending.values()) resolve(null);
      pending.clear();
      worker?.terminate();
      worker = null;
    };
  }
  return worker;
}

/**
 * `importDagCode` (TypeScript's parser, the module is never run) in a Web Worker, so neither the parser's
 * download nor a large module's parse blocks the editor; where no worker starts, the parser is loaded
 * lazily on the main thread instead.
 * @example const read = await importDagCodeOffMainThread(text, "pipeline.ts");
 */
export async function importDagCodeOffMainThread(text: string, fileName: string): Promise<DagCodeImport> {
  const target = dagCodeWorker();
  if (target !== null) {
    const id = nextId++;
    const request: DagCodeRequest = { id, text, fileName };
    const result = await new Promise<DagCodeImport | null>((resolve) => {
      pending.set(id, resolve);
      target.postMessage(request);
    });
    if (result !== null) return result;
  }
  const { importDagCode } = await import("@handoff/dag-code/import");
  return importDagCode(text, fileName);
}
