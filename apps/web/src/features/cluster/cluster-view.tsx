"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useMemo, useState } from "react";
import type { MachineView } from "../../lib/trpc/api-types.ts";
import { useTRPC } from "../../lib/trpc/trpc.ts";
import { useNow } from "../../lib/use-now.ts";
import { AddMachinePanel } from "./add-machine-panel.tsx";
import { ClusterToolbar, type ClusterFilter } from "./cluster-toolbar.tsx";
import { FunctionsPanel } from "./functions-panel.tsx";
import { LoadCharts } from "./load-charts.tsx";
import { MachineCard } from "./machine-card.tsx";
import { filterMachines, groupMachines } from "./machine-groups.ts";
import { useLoadHistory } from "./use-load-history.ts";

/** Cards shown per group before "Show all": a page of 200 machines stays light. */
const CARDS_PER_GROUP = 24;
const NO_MACHINES: readonly MachineView[] = [];

export function ClusterView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const machines = useQuery(trpc.machines.list.queryOptions(undefined, { refetchInterval: 2_000 }));
  const me = useQuery(trpc.auth.me.queryOptions());
  const [filter, setFilter] = useState<ClusterFilter>({ query: "", status: "all", groupBy: { kind: "status" } });
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const onSettled = () => queryClient.invalidateQueries({ queryKey: trpc.machines.list.queryKey() });
  const drain = useMutation(trpc.machines.drain.mutationOptions({ onSettled }));
  const undrain = useMutation(trpc.machines.undrain.mutationOptions({ onSettled }));
  const forget = useMutation(trpc.machines.forget.mutationOptions({ onSettled }));
  const { mutate: forgetMachine } = forget;
  const onForget = useCallback((name: string) => forgetMachine({ name }), [forgetMachine]);
  const { mutate: drainMachine } = drain;
  const { mutate: undrainMachine } = undrain;
  const onDrain = useCallback((name: string, isDrain: boolean) => (isDrain ? drainMachine({ name }) : undrainMachine({ name })), [drainMachine, undrainMachine]);
  const now = useNow(1_000, true);
  const list = machines.data ?? NO_MACHINES;
  const groups = useMemo(() => groupMachines(filterMachines(list, filter.query, filter.status), filter.groupBy), [list, filter]);
  const shown = useMemo(() => groups.map((group) => ({ ...group, cards: expanded.has(group.key) ? group.machines : group.machines.slice(0, CARDS_PER_GROUP) })), [groups, expanded]);
  const visibleNames = useMemo(() => shown.flatMap((group) => group.cards.map((machine) => machine.name)), [shown]);
  const history = useLoadHistory(visibleNames);
  const online = list.filter((machine) => machine.status === "online").length;
  const running = list.reduce((sum, machine) => sum + machine.runningAttempts, 0);
  const matching = groups.reduce((sum, group) => sum + group.machines.length, 0);
  return (
    <div className="page stack">
      <div className="row">
        <h1 style={{ margin: 0 }}>Cluster</h1>
        <span className="muted" data-testid="cluster-summary">
          {online} of {list.length} machine{list.length === 1 ? "" : "s"} online · {running} running attempt{running === 1 ? "" : "s"}
        </span>
      </div>
      {machines.error !== null && <p className="notice">{machines.error.message}</p>}
      {(drain.error ?? undrain.error ?? forget.error) !== null && <p className="notice">{(drain.error ?? undrain.error ?? forget.error)!.message}</p>}
      {machines.isLoading && <p className="empty">Loading machines…</p>}
      {machines.data !== undefined && list.length === 0 && <p className="empty">No machine has joined yet. Add one below.</p>}
      {list.length > 0 && (
        <div className="panel" data-testid="cluster-load">
          <div className="machine-head">
            <strong>Whole cluster</strong>
            <span className="muted">sums over the online machines; CPU is their mean</span>
          </div>
          <div className="panel-body">
            <LoadCharts samples={history.cluster} />
          </div>
        </div>
      )}
      {list.length > 0 && <ClusterToolbar machines={list} filter={filter} onChange={setFilter} matching={matching} />}
      <div className="stack" data-testid="machines">
        {shown.map((group) => (
          <section key={group.key} className="stack" data-testid={`machine-group-${group.key}`}>
            {filter.groupBy.kind !== "none" && (
              <h2 className="row" style={{ margin: 0, fontSize: 15 }}>
                {group.title} <span className="muted">({group.machines.length})</span>
              </h2>
            )}
            <div className="machines">
              {group.cards.map((machine) => (
                <MachineCard
                  key={machine.name}
                  machine={machine}
                  now={now}
                  samples={history.byMachine.get(machine.name)}
                  canDrain={me.data?.kind === "admin"}
                  isBusy={drain.isPending || undrain.isPending || forget.isPending}
                  onDrain={onDrain}
                  onForget={onForget}
                />
              ))}
            </div>
            {group.cards.length < group.machines.length && (
              <button type="button" className="btn" onClick={() => setExpanded((previous) => new Set([...previous, group.key]))} data-testid={`show-all-${group.key}`}>
                Show all {group.machines.length} ({group.machines.length - group.cards.length} more)
              </button>
            )}
          </section>
        ))}
      </div>
      <FunctionsPanel isAdmin={me.data?.kind === "admin"} />
      <AddMachinePanel />
    </div>
  );
}
