"use client";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../../lib/trpc/trpc.ts";

/** The toolbar's "Open…" menu: a new DAG, or one of the saved ones. */
export function OpenDagSelect({ onOpen, onNew }: { onOpen: (name: string) => void; onNew: () => void }) {
  const trpc = useTRPC();
  const list = useQuery(trpc.dags.list.queryOptions({ limit: 100 }));
  return (
    <select
      value=""
      aria-label="open a DAG"
      style={{ maxWidth: 130 }}
      data-testid="open-dag"
      onChange={(event) => {
        const value = event.target.value;
        if (value === "__new") onNew();
        else if (value !== "") onOpen(value);
      }}
    >
      <option value="">Open…</option>
      <option value="__new">New DAG</option>
      {(list.data?.items ?? []).map((item) => (
        <option key={item.name} value={item.name}>
          {item.name} (v{item.latestVersion})
        </option>
      ))}
    </select>
  );
}
