import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "./app-router.ts";

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

export type MachineView = RouterOutputs["machines"]["list"][number];
export type CatalogueEntry = RouterOutputs["machines"]["catalogue"][number];
export type DagCheck = RouterOutputs["dags"]["check"];
export type PlacementPreview = DagCheck["placement"];
export type RunSummaryView = RouterOutputs["runs"]["list"]["items"][number];
export type RunView = RouterOutputs["runs"]["get"];
export type TaskView = RunView["tasks"][number];
export type AttemptView = RouterOutputs["runs"]["attempts"][number];
export type LogView = RouterOutputs["runs"]["logs"]["logs"][number];
/** What `runs.watch` delivers: the message (snapshot, or one scheduler tick's batch), wrapped with its id (`tracked()`). */
export type WatchMessage = RouterOutputs["runs"]["watch"] extends AsyncIterable<infer E> ? E : never;
export type WatchMessageData = WatchMessage extends { id: string; data: infer D } ? D : WatchMessage;
/** One event the live view applies: the snapshot, or one event of a batch (task change, log line, the run's end). */
export type WatchEvent = Extract<WatchMessageData, { type: "snapshot" }> | Extract<WatchMessageData, { type: "batch" }>["events"][number];
export type TaskChangeView = Extract<WatchEvent, { type: "task" }>["change"];
/** A log line as the watch streams it (stored lines from `runs.logs` fit this shape too). */
export type LiveLogView = Extract<WatchEvent, { type: "log" }>["log"];
export type ResultRef = NonNullable<TaskView["result"]>;
export type RunStartOptions = NonNullable<RouterInputs["runs"]["start"]["options"]>;
export type FunctionVersionsView = RouterOutputs["functions"]["versions"];
export type PushBundleInput = RouterInputs["functions"]["push"];
