// Runs autoLayout off the main thread: receives `{ id, tasks }`, answers `{ id, positions }` (entries).
import { autoLayout } from "./auto-layout.ts";
import type { LayoutRequest, LayoutResponse } from "./layout-messages.ts";

const scope = self as unknown as { onmessage: ((event: MessageEvent<LayoutRequest>) => void) | null; postMessage(message: LayoutResponse): void };

scope.onmessage = (event) => {
  const { id, tasks } = event.data;
  scope.postMessage({ id, positions: [...autoLayout(tasks)] });
};
