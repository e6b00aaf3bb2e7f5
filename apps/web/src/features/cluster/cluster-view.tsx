"use client";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../../lib/trpc/trpc.ts";
import { useNow } from "../../lib/use-now.ts";
import { AddMachinePanel } from "./add-machine-panel.tsx";
import { MachineCard } from "./machine-card.tsx";

export function ClusterView() {
  const trpc = useTRPC();
  const machines = useQuery(trpc.machines.list.queryOptions(undefined, { refetchInterval: 2_000 }));
  const now = useNow(1_000, true);
  const list = machines.data ?? [];
  const online = list.filter((machine) => machine.status === "online").length;
  const running = list.reduce((sum, machine) => sum + machine.runningAttempts, 0);
  return (
    <div className="page stack">
      <div className="row">
        <h1 style={{ margin: 0 }}>Cluster</h1>
        <span className="muted">
          {online} of {list.length} machine{list.length === 1 ? "" : "s"} online · {running} running attempt{running === 1 ? "" : "s"}
        </span>
      </div>
      {machines.error !== null && <p className="notice">{machines.error.message}</p>}
      {machines.isLoading && <p className="empty">Loading machines…</p>}
      {machines.data !== undefined && list.length === 0 && <p className="empty">No machine has joined yet. Add one below.</p>}
      <div className="machines" data-testid="machines">
        {list.map((machine) => (
          <MachineCard key={machine.name} machine={machine} now={now} />
        ))}
      </div>
      <AddMachinePanel />
    </div>
  );
}
