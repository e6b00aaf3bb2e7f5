"use client";
import type { TaskJson } from "@handoff/protocol";
import { autoLayout } from "./auto-layout.ts";
import type { LayoutRequest, LayoutResponse } from "./layout-messages.ts";

type Positions = Map<string, { x: number; y: number }>;

/** Below this many tasks the layout takes a few milliseconds: a worker round trip is not worth it. */
export const WORKER_LAYOUT_MIN_TASKS = 200;

let worker: Worker | null | undefined;
let nextId = 0;
const pending = new Map<number, (positions: Positions | null) => void>();

function layoutWorker(): Worker | null {
  if (worker !== undefined) return worker;
  try {
    worker = typeof Worker === "undefined" ? null : new Worker(new URL("./layout.worker.ts", import.meta.url));
  } catch {
    worker = null;
  }
  if (worker !== null) {
    worker.onmessage = (event: MessageEvent<LayoutResponse>) => {
      pending.get(event.data.id)?.(new Map(event.data.positions));
      pending.delete(event.data.id);
    };
    worker.onerror = () => {
      // A worker that cannot load (no bundler support, a test page): every waiting layout falls back.
      for (const resolve of pending.values()) resolve(null);
      pending.clear();
      worker?.terminate();
      worker = null;
    };
  }
  return worker;
}

/**
 * Starts the layout worker ahead of need (it loads its own script): the first large import then waits only
 * for the layout itself. Call when the page is idle.
 */
export function warmLayoutWorker(): void {
  layoutWorker();
}

/**
 * `autoLayout` in a Web Worker, so laying out a large DAG never blocks a frame; small DAGs, and pages where
 * a worker cannot start, are laid out on the main thread.
 * @example const positions = await layoutOffMainThread(file.tasks);
 */
export async function layoutOffMainThread(tasks: readonly Pick<TaskJson, "id" | "args">[]): Promise<Positions> {
  const target = tasks.length < WORKER_LAYOUT_MIN_TASKS ? null : layoutWorker();
  if (target === null) return autoLayout(tasks);
  const id = nextId++;
  const request: LayoutRequest = { id, tasks: tasks.map((task) => ({ id: task.id, ...(task.args === undefined ? {} : { args: task.args }) })) };
  const positions = await new Promise<Positions | null>((resolve) => {
    pending.set(id, resolve);
    target.postMessage(request);
  });
  return positions ?? autoLayout(tasks);
}
