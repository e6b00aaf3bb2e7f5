"use client";
import { parseDagFile, type DagFile } from "@handoff/protocol";
import { skipToken, useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import type { MachineView } from "../../lib/trpc/api-types.ts";
import { useTRPC } from "../../lib/trpc/trpc.ts";
import { useDebouncedValue } from "../../lib/use-debounced-value.ts";
import { toMachineInfo } from "../cluster/machine-info.ts";
import { checkDagLocally, groupProblems } from "./task-problems.ts";

type Strategy = "first_available" | "load_balanced";

/**
 * Live validation as the DAG is drawn: the local check runs on every edit (schema, structure, and
 * feasibility against the machines last listed); the server's `dags.check` (problems and the placement
 * preview under `strategy`) runs once the file has been still for 400 ms and parses.
 */
export function useDagCheck(file: DagFile, machines: readonly MachineView[] | undefined, strategy: Strategy) {
  const trpc = useTRPC();
  const machineInfos = useMemo(() => (machines === undefined ? null : machines.map(toMachineInfo)), [machines]);
  const local = useMemo(() => checkDagLocally(file, machineInfos), [file, machineInfos]);
  const settled = useDebouncedValue(file, 400);
  const isParsable = useMemo(() => settled.tasks.length > 0 && parseDagFile(settled).ok, [settled]);
  const server = useQuery(trpc.dags.check.queryOptions(isParsable ? { file: settled, strategy } : skipToken, { placeholderData: (previous) => previous, retry: false }));
  const serverProblems = server.data?.problems;
  const grouped = useMemo(() => groupProblems(local, serverProblems ?? []), [local, serverProblems]);
  const placement = settled === file || isParsable ? (server.data?.placement ?? {}) : {};
  const problemCount = useMemo(() => grouped.general.length + [...grouped.byTask.values()].reduce((sum, list) => sum + list.length, 0), [grouped]);
  return { problems: grouped, problemCount, placement, isChecking: server.isFetching, serverError: server.error?.message ?? null };
}
