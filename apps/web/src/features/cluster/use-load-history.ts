"use client";
import { useEffect, useState } from "react";
import type { RouterOutputs } from "../../lib/trpc/api-types.ts";
import { useTRPCClient } from "../../lib/trpc/trpc.ts";
import { mergeSamples, pollSince } from "./load-history-merge.ts";
import type { LoadSample } from "./chart-scale.ts";

export type ClusterLoadSample = NonNullable<RouterOutputs["machines"]["history"]["cluster"]>[number];
type Held = { readonly byMachine: ReadonlyMap<string, readonly LoadSample[]>; readonly cluster: readonly ClusterLoadSample[] };

const POLL_MS = 2_000;
/** How much history the page keeps (the charts show the last 5 minutes of it). */
const KEEP_MS = 15 * 60_000;
const EMPTY: Held = { byMachine: new Map(), cluster: [] };

/**
 * The load of the machines on screen and the cluster's sum, kept up to date by polling `machines.history` for
 * what is new since the newest sample held: the first poll brings up to 15 minutes, each later one a couple of
 * samples per machine, whatever the cluster's size. Machines that leave the screen are dropped.
 */
export function useLoadHistory(names: readonly string[]): Held {
  const client = useTRPCClient();
  const [held, setHeld] = useState<Held>(EMPTY);
  const key = names.join("\n");
  useEffect(() => {
    const visible = key === "" ? [] : key.split("\n");
    let isCurrent = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let latest: Held = EMPTY;
    setHeld((previous) => (latest = { byMachine: new Map([...previous.byMachine].filter(([name]) => visible.includes(name))), cluster: previous.cluster }));
    const poll = async (): Promise<void> => {
      const sinceMs = visible.length === 0 ? 0 : pollSince(latest.byMachine, visible);
      const clusterSince = latest.cluster.length === 0 ? 0 : latest.cluster[latest.cluster.length - 1]!.at;
      try {
        const [machines, cluster] = await Promise.all([
          visible.length === 0 ? Promise.resolve({ machines: [] }) : client.machines.history.query({ names: visible, sinceMs }),
          client.machines.history.query({ names: [], sinceMs: clusterSince, cluster: true }),
        ]);
        if (!isCurrent) return;
        const windowStart = Date.now() - KEEP_MS;
        setHeld((previous) => {
          const byMachine = new Map(previous.byMachine);
          for (const entry of machines.machines) byMachine.set(entry.name, mergeSamples(byMachine.get(entry.name) ?? [], entry.samples, windowStart));
          latest = { byMachine, cluster: mergeSamples(previous.cluster, cluster.cluster ?? [], windowStart) };
          return latest;
        });
      } catch {
        // the next poll tries again; the page shows the machines list's own error
      }
      if (isCurrent) timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      isCurrent = false;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [client, key]);
  return held;
}
