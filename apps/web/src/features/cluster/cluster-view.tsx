"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useMemo } from "react";
import { useTRPC } from "../../lib/trpc/trpc.ts";
import { useNow } from "../../lib/use-now.ts";
import { AddMachinePanel } from "./add-machine-panel.tsx";
import { MachineCard } from "./machine-card.tsx";

export function ClusterView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const machines = useQuery(trpc.machines.list.queryOptions(undefined, { refetchInterval: 2_000 }));
  const history = useQuery(trpc.machines.history.queryOptions(undefined, { refetchInterval: 2_000 }));
  const me = useQuery(trpc.auth.me.queryOptions());
  const samplesByMachine = useMemo(() => new Map((history.data?.machines ?? []).map((entry) => [entry.name, entry.samples])), [history.data]);
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
      {(drain.error ?? undrain.error ?? forget.error) !== null && <p className="notice">{(drain.error ?? undrain.error ?? forget.error)!.message}</p>}
      {machines.isLoading && <p className="empty">Loading machines…</p>}
      {machines.data !== undefined && list.length === 0 && <p className="empty">No machine has joined yet. Add one below.</p>}
      <div className="machines" data-testid="machines">
        {list.map((machine) => (
          <MachineCard
            key={machine.name}
            machine={machine}
            now={now}
            samples={samplesByMachine.get(machine.name)}
            canDrain={me.data?.kind === "admin"}
            isBusy={drain.isPending || undrain.isPending || forget.isPending}
            onDrain={onDrain}
            onForget={onForget}
          />
        ))}
      </div>
      <AddMachinePanel />
    </div>
  );
}
