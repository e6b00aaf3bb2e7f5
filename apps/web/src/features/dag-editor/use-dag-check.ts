"use client";
import type { DagFile } from "@handoff/protocol";
import { skipToken, useQuery } from "@tanstack/react-query";
import { functionCatalogue } from "@handoff/core";
import { useDeferredValue, useMemo } from "react";
import type { MachineView } from "../../lib/trpc/api-types.ts";
import { useTRPC } from "../../lib/trpc/trpc.ts";
import { useDebouncedValue } from "../../lib/use-debounced-value.ts";
import { toMachineInfo } from "../cluster/machine-info.ts";
import { checkDagLocally, groupProblems, parseDagFileOnce } from "./task-problems.ts";

type Strategy = "first_available" | "load_balanced";
type Placement = Readonly<Record<string, { machine: string | null; reason?: string }>>;

// One object for "no placement": a fresh `{}` per render would re-render every card (they read it through context).
const NO_PLACEMENT: Placement = Object.freeze({});

// The check's query key holds the whole file: hashing it as JSON on every render of the editor costs ~10 ms at
// 1,000 tasks. Files are immutable, so one is hashed by its identity (a number given on first sight).
const fileIds = new WeakMap<object, number>();
let nextFileId = 0;
function hashCheckKey(queryKey: readonly unknown[]): string {
  return JSON.stringify(queryKey, (_key, value: unknown) => {
    if (typeof value === "object" && value !== null && "tasks" in value && "format" in value) {
      let id = fileIds.get(value);
      if (id === undefined) {
        id = nextFileId++;
        fileIds.set(value, id);
      }
      return `file#${id}`;
    }
    return value;
  });
}

/**
 * Live validation as the DAG is drawn: the local check runs on every edit (deferred) (schema, structure, and
 * feasibility against the machines last listed); the server's `dags.check` (problems and the placement
 * preview under `strategy`) runs once the file has been still for 400 ms and parses.
 */
export function useDagCheck(file: DagFile, machines: readonly MachineView[] | undefined, strategy: Strategy) {
  const trpc = useTRPC();
  const machineInfos = useMemo(() => (machines === undefined ? null : machines.map(toMachineInfo)), [machines]);
  const catalogue = useMemo(() => (machines === undefined ? null : functionCatalogue(machines)), [machines]);
  // Checked in a background render after the file is drawn (opening 1,000 tasks, the check took as long
  // as drawing them): the problems shown lag an edit by that render.
  const checked = useDeferredValue(file);
  const local = useMemo(() => checkDagLocally(checked, machineInfos, catalogue), [checked, machineInfos, catalogue]);
  const settled = useDebouncedValue(file, 400);
  const isParsable = useMemo(() => settled.tasks.length > 0 && parseDagFileOnce(settled).ok, [settled]);
  const server = useQuery(trpc.dags.check.queryOptions(isParsable ? { file: settled, strategy } : skipToken, { placeholderData: (previous) => previous, retry: false, queryKeyHashFn: hashCheckKey }));
  const serverProblems = server.data?.problems;
  const grouped = useMemo(() => groupProblems(local, serverProblems ?? []), [local, serverProblems]);
  const placement: Placement = settled === file || isParsable ? (server.data?.placement ?? NO_PLACEMENT) : NO_PLACEMENT;
  const problemCount = useMemo(() => grouped.general.length + [...grouped.byTask.values()].reduce((sum, list) => sum + list.length, 0), [grouped]);
  return { problems: grouped, problemCount, placement, isChecking: server.isFetching, serverError: server.error?.message ?? null };
}
