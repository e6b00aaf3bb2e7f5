"use client";
import type { TaskJson } from "@handoff/protocol";
import { autoLayout } from "./auto-layout.ts";
import type { LayoutRequest, LayoutResponse } from "./layout-messages.ts";
import { createWorkerChannel } from "./worker-channel.ts";

type Positions = Map<string, { x: number; y: number }>;

/** Below this many tasks the layout takes a few milliseconds: a worker round trip is not worth it. */
export const WORKER_LAYOUT_MIN_TASKS = 200;

const layoutWorker = createWorkerChannel<LayoutRequest, LayoutResponse>(() => new Worker(new URL("./layout.worker.ts", import.meta.url)));

/**
 * Starts the layout worker ahead of need (it loads its own script, on its own thread): the first large import
 * then waits only for the layout itself. Call when the editor mounts.
 */
export function warmLayoutWorker(): void {
  layoutWorker.warm();
}

/**
 * `autoLayout` in a Web Worker, so laying out a large DAG never blocks a frame; small DAGs, and pages where
 * a worker cannot start, are laid out on the main thread.
 * @example const positions = await layoutOffMainThread(file.tasks);
 */
export async function layoutOffMainThread(tasks: readonly Pick<TaskJson, "id" | "args">[]): Promise<Positions> {
  if (tasks.length < WORKER_LAYOUT_MIN_TASKS) return autoLayout(tasks);
  const request: Omit<LayoutRequest, "id"> = { tasks: tasks.map((task) => ({ id: task.id, ...(task.args === undefined ? {} : { args: task.args }) })) };
  const answer = await layoutWorker.request(request);
  return answer === null ? autoLayout(tasks) : new Map(answer.positions);
}
