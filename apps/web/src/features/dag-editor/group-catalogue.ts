import type { FunctionMeta } from "@handoff/protocol";

export interface CatalogueGroup<E extends { fn: FunctionMeta }> {
  readonly namespace: string;
  readonly entries: readonly E[];
}

/**
 * The palette's view of the catalogue: entries whose name or description contains every word of `query`
 * (case-insensitive), grouped by namespace, namespaces and names sorted.
 */
export function groupCatalogue<E extends { fn: FunctionMeta }>(entries: readonly E[], query: string): CatalogueGroup<E>[] {
  const words = query.toLowerCase().split(/\s+/).filter((word) => word !== "");
  const matches = entries.filter((entry) => {
    const haystack = `${entry.fn.name} ${entry.fn.description ?? ""}`.toLowerCase();
    return words.every((word) => haystack.includes(word));
  });
  const groups = new Map<string, E[]>();
  for (const entry of matches) {
    const list = groups.get(entry.fn.namespace);
    if (list === undefined) groups.set(entry.fn.namespace, [entry]);
    else list.push(entry);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([namespace, list]) => ({ namespace, entries: [...list].sort((a, b) => a.fn.name.localeCompare(b.fn.name)) }));
}
