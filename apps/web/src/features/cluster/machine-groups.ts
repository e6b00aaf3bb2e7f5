import type { MachineView } from "../../lib/trpc/api-types.ts";

/** How the cluster page groups its machines: by status, by the value of one label, or not at all. */
export type GroupBy = { readonly kind: "status" } | { readonly kind: "label"; readonly key: string } | { readonly kind: "none" };

export type MachineGroup = { readonly key: string; readonly title: string; readonly machines: readonly MachineView[] };

const STATUS_ORDER: readonly MachineView["status"][] = ["online", "draining", "offline"];
export const NO_LABEL = "(no label)";

/**
 * The machines a filter keeps: every word of `query` must appear (case-insensitive) in the machine's name, a
 * `key=value` label, or a function it offers; `status` keeps one status ("all" keeps every one).
 * @example filterMachines(list, "gpu=1 image.", "online")
 */
export function filterMachines(machines: readonly MachineView[], query: string, status: MachineView["status"] | "all"): MachineView[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return machines.filter((machine) => {
    if (status !== "all" && machine.status !== status) return false;
    if (words.length === 0) return true;
    const haystack = [machine.name, ...Object.entries(machine.labels).map(([key, value]) => `${key}=${value}`), ...machine.functions.map((fn) => fn.name)].join("\n").toLowerCase();
    return words.every((word) => haystack.includes(word));
  });
}

const byName = (a: MachineView, b: MachineView): number => a.name.localeCompare(b.name, "en", { numeric: true });

/**
 * Groups in a stable order: statuses online → draining → offline; label values sorted, machines without the label
 * last. Machines within a group in natural order of their names (sim-2 before sim-10).
 */
export function groupMachines(machines: readonly MachineView[], by: GroupBy): MachineGroup[] {
  const sorted = [...machines].sort(byName);
  if (by.kind === "none") return [{ key: "all", title: "All machines", machines: sorted }];
  const groups = new Map<string, MachineView[]>();
  for (const machine of sorted) {
    const key = by.kind === "status" ? machine.status : (machine.labels[by.key] ?? NO_LABEL);
    const members = groups.get(key) ?? [];
    members.push(machine);
    groups.set(key, members);
  }
  const keys = [...groups.keys()];
  const ordered =
    by.kind === "status"
      ? STATUS_ORDER.filter((status) => groups.has(status))
      : keys.filter((key) => key !== NO_LABEL).sort((a, b) => a.localeCompare(b, "en", { numeric: true })).concat(groups.has(NO_LABEL) ? [NO_LABEL] : []);
  return ordered.map((key) => ({ key, title: by.kind === "status" ? key : `${by.key}=${key}`, machines: groups.get(key) ?? [] }));
}

/** Every label key some machine carries, sorted: the choices of "group by label". */
export function labelKeys(machines: readonly MachineView[]): string[] {
  return [...new Set(machines.flatMap((machine) => Object.keys(machine.labels)))].sort();
}
