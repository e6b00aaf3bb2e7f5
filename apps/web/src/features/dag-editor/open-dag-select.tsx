"use client";
import type { DagFile } from "@handoff/protocol";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../../lib/trpc/trpc.ts";
import { EXAMPLE_DAGS, forCluster } from "../examples/example-dags.ts";
import { withPositions } from "./import-dag-text.ts";
import { layoutOffMainThread } from "./layout-off-main-thread.ts";

const EXAMPLE_PREFIX = "example:";

/** The toolbar's "Open…" menu: a new DAG, one of the saved ones, or an example that runs on the local agent as it is. */
export function OpenDagSelect({ onOpen, onNew, onOpenFile }: { onOpen: (name: string) => void; onNew: () => void; onOpenFile: (file: DagFile) => void }) {
  const trpc = useTRPC();
  const list = useQuery(trpc.dags.list.queryOptions({ limit: 100 }));
  const machines = useQuery(trpc.machines.list.queryOptions(undefined, { refetchInterval: 5_000 }));
  const openExample = async (index: number) => {
    const example = EXAMPLE_DAGS[index];
    if (example === undefined) return;
    const file = forCluster(example, machines.data ?? []);
    const needsLayout = file.tasks.some((task) => task.position === undefined);
    onOpenFile(needsLayout ? withPositions(file, await layoutOffMainThread(file.tasks)) : file);
  };
  return (
    <select
      value=""
      aria-label="open a DAG"
      style={{ maxWidth: 130 }}
      data-testid="open-dag"
      onChange={(event) => {
        const value = event.target.value;
        if (value === "__new") onNew();
        else if (value.startsWith(EXAMPLE_PREFIX)) void openExample(Number(value.slice(EXAMPLE_PREFIX.length)));
        else if (value !== "") onOpen(value);
      }}
    >
      <option value="">Open…</option>
      <option value="__new">New DAG</option>
      {(list.data?.items ?? []).length > 0 && (
        <optgroup label="Saved">
          {(list.data?.items ?? []).map((item) => (
            <option key={item.name} value={item.name}>
              {item.name} (v{item.latestVersion})
            </option>
          ))}
        </optgroup>
      )}
      <optgroup label="Examples (run on the local agent)">
        {EXAMPLE_DAGS.map((example, index) => (
          <option key={example.name} value={`${EXAMPLE_PREFIX}${index}`} title={example.description}>
            {example.name}
          </option>
        ))}
      </optgroup>
    </select>
  );
}
