/**
 * Every number that becomes a timer, a loop or an allocation, bounded in one place. The DAG file schema,
 * `validateDag` (so `executeLocal` too), the API's run options, the agent's hello and the CLI flags all
 * check against these, with the same messages.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** A number's allowed range; `minExclusive` makes `min` itself invalid (a timeout of 0). */
export interface NumberBound {
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
  readonly minExclusive?: boolean;
  /** How the maximum reads in a message (`24 h`). */
  readonly maxText: string;
}

/** The largest delay `setTimeout` holds; longer waits are re-armed (see the timer service). */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** How deeply a value (extraArgs, a transform's args, a stored result) may nest. */
export const MAX_VALUE_DEPTH = 256;

export const Bounds = {
  /** A task's or a run's timeout. */
  timeoutMs: { min: 0, minExclusive: true, max: DAY_MS, integer: true, maxText: "86400000 (24 h)" },
  /** Retries after the first attempt, per task and per run. */
  maxRetries: { min: 0, max: 100, integer: true, maxText: "100" },
  backoffInitialMs: { min: 0, max: HOUR_MS, integer: true, maxText: "3600000 (1 h)" },
  backoffFactor: { min: 1, max: 10, integer: false, maxText: "10" },
  backoffMaxMs: { min: 0, max: DAY_MS, integer: true, maxText: "86400000 (24 h)" },
  /** A machine's capacity of one resource, and a task's cost of one. */
  capacity: { min: 0, max: 1e12, integer: false, maxText: "1e12" },
} as const satisfies Record<string, NumberBound>;
export type BoundName = keyof typeof Bounds;

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object" && value !== null) return Array.isArray(value) ? "a list" : "an object";
  return String(value);
}

/**
 * Why `value` breaks `bound` (a sentence fragment to put after the field's name), or null when it holds.
 * @example
 * boundProblem(Bounds.timeoutMs, 3e9) // "must be an integer > 0 and ≤ 86400000 (24 h), got 3000000000"
 */
export function boundProblem(bound: NumberBound, value: unknown): string | null {
  const ok =
    typeof value === "number" &&
    Number.isFinite(value) &&
    (!bound.integer || Number.isInteger(value)) &&
    (bound.minExclusive === true ? value > bound.min : value >= bound.min) &&
    value <= bound.max;
  if (ok) return null;
  const kind = bound.integer ? "an integer" : "a finite number";
  return `must be ${kind} ${bound.minExclusive === true ? ">" : "≥"} ${bound.min} and ≤ ${bound.maxText}, got ${show(value)}`;
}

/** Where a value nests deeper than `maxDepth`: the path to the first container past the limit. */
export interface DepthProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/**
 * Finds the first place where `value` nests deeper than `maxDepth` arrays/objects, without recursion (a value
 * nested 100,000 levels must be answered, not overflow the stack). Returns null when it is shallow enough.
 * @example
 * valueDepthProblem([[["x"]]], 2) // { path: [0, 0], message: "nests deeper than 2 levels" }
 */
export function valueDepthProblem(value: unknown, maxDepth: number = MAX_VALUE_DEPTH): DepthProblem | null {
  if (typeof value !== "object" || value === null || ArrayBuffer.isView(value)) return null;
  // Most values (a task's extraArgs) are a few levels of a few entries: answered without the walk's allocations.
  quickBudget = QUICK_ENTRIES;
  if (isQuicklyShallow(value, Math.min(maxDepth, QUICK_LEVELS))) return null;
  return deepValueDepthProblem(value, maxDepth);
}

const QUICK_LEVELS = 8;
const QUICK_ENTRIES = 256;
let quickBudget = 0;

/**
 * True when `container` and what it holds nest at most `levels` containers deep (itself the first) within
 * `quickBudget` entries; false means "not known" (deeper, larger, or cyclic), and the full walk answers.
 */
function isQuicklyShallow(container: object, levels: number): boolean {
  const children: readonly unknown[] = Array.isArray(container) ? container : Object.values(container);
  quickBudget -= children.length;
  if (quickBudget < 0) return false;
  for (let i = 0; i < children.length; i++) {
    const child = children[i];
    if (typeof child !== "object" || child === null || ArrayBuffer.isView(child)) continue;
    if (levels <= 1 || !isQuicklyShallow(child, levels - 1)) return false;
  }
  return true;
}

function deepValueDepthProblem(value: object, maxDepth: number): DepthProblem | null {
  // Each frame: a container, its keys, the index of the next key, and the key that led to it.
  const stack: { container: object; entries: [string | number, unknown][]; next: number; key: string | number | undefined }[] = [];
  // A cycle is another checker's finding (the codec names it); here it only must not loop.
  const ancestors = new Set<object>();
  const open = (container: object, key: string | number | undefined): boolean => {
    if (stack.length >= maxDepth) return false;
    ancestors.add(container);
    const entries: [string | number, unknown][] = Array.isArray(container)
      ? container.map((child, index): [number, unknown] => [index, child])
      : Object.entries(container);
    stack.push({ container, entries, next: 0, key });
    return true;
  };
  const path = (): (string | number)[] => stack.slice(1).map((frame) => frame.key!);
  open(value, undefined);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.next >= frame.entries.length) {
      ancestors.delete(frame.container);
      stack.pop();
      continue;
    }
    const [key, child] = frame.entries[frame.next++]!;
    if (typeof child !== "object" || child === null || ArrayBuffer.isView(child) || ancestors.has(child)) continue;
    if (!open(child, key)) return { path: [...path(), key], message: `nests deeper than ${maxDepth} levels` };
  }
  return null;
}
