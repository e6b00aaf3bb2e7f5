/** What a task card and the inspector say about where a task would run. */
export interface PlacementLabel {
  readonly text: string;
  /** `none`: no machine could take it (a problem); `inline`: never placed, evaluated in each consumer. */
  readonly tone: "machine" | "inline" | "none";
  readonly title: string;
}

/**
 * An inline task is never placed: it runs inside each consumer, on the consumer's machine. Saying "no machine"
 * for it (in red) reads as a problem where there is none.
 * @example placementLabel({ type: "inline" }, { machine: null }).text // "inline · in its consumers"
 */
export function placementLabel(task: { readonly type?: string }, placement: { readonly machine: string | null; readonly reason?: string }): PlacementLabel {
  if (task.type === "inline") return { text: "inline · in its consumers", tone: "inline", title: "evaluated inside each task that consumes it, on that task's machine" };
  if (placement.machine === null) return { text: "no machine", tone: "none", title: placement.reason ?? "no eligible machine could run it now" };
  return { text: placement.machine, tone: "machine", title: placement.reason ?? "where this task would run now" };
}

export const PLACEMENT_TONE_COLOR: Record<PlacementLabel["tone"], string> = { machine: "var(--accent)", inline: "var(--muted)", none: "var(--danger)" };

/** An inline task's badge in a run: where it is evaluated instead of a state of its own. */
export function inlineBadgeText(consumers: readonly string[]): string {
  if (consumers.length === 0) return "inline · unused";
  return `inline · in ${consumers.length <= 2 ? consumers.join(", ") : `${consumers[0]} +${consumers.length - 1}`}`;
}
