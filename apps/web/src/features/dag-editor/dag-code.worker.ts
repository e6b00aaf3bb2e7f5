// Parses a DAG module with TypeScript's parser off the main thread: receives `{ id, text, fileName }`,
// answers `{ id, result }`. TypeScript (~9 MB) loads here, on the first import, never with the editor.
import { importDagCode } from "@handoff/dag-code/import";
import type { DagCodeRequest, DagCodeResponse } from "./dag-code-messages.ts";

const scope = self as unknown as { onmessage: ((event: MessageEvent<DagCodeRequest>) => void) | null; postMessage(message: DagCodeResponse): void };

scope.onmessage = (event) => {
  const { id, text, fileName } = event.data;
  scope.postMessage({ id, result: importDagCode(text, fileName) });
};
