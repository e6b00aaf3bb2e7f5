import type { MachineName, Placement, Resources, Strategy, TaskId } from "../dag/model.ts";

// What the allocator works on and answers: its tasks, machines, options and outcomes, shared by `allocate.ts` and
// the placer behind it (`batch-placer.ts`), and by the scheduler that builds them.

/** A ready task to place. */
export interface AllocTask {
  readonly id: TaskId;
  readonly cost: Resources;
  readonly placement: Placement;
  /** Functions this task needs on its machine. */
  readonly functions?: readonly string[];
  /** Tried first when it offers the functions and fits (it holds inputs a re-run reused); else the strategy decides. */
  readonly prefer?: MachineName;
}

/** An eligible machine (online, not draining) as the allocator sees it. */
export interface AllocMachine {
  readonly name: MachineName;
  /** FREE capacity now. */
  readonly free: Resources;
  /** TOTAL capacity, used by load_balanced fractions; defaults to `free`. */
  readonly total?: Resources;
  /** Offered functions; `undefined` offers everything. */
  readonly functions?: ReadonlySet<string>;
}

export interface AllocateOptions {
  /** Default `first_available`. */
  readonly strategy?: Strategy;
  /** Moved to the front of the machine order (Handoff's "this node first"). */
  readonly localMachine?: MachineName;
  /**
   * `load_balanced`'s choice among the machines as given (before the batch takes anything), when the caller keeps an
   * index of it (the scheduler's `balance-index.ts`): it must answer what the scan would — the machine, null when none
   * fits, undefined when none offers the functions. Asked for a lone task's first pick; the scan does the rest.
   */
  readonly chooseLoadBalanced?: (cost: Resources, functions: readonly string[]) => AllocMachine | null | undefined;
}

/** Why a task was left unplaced: busy machines (it will fit later) or no machine that could ever take it. */
export type WaitReason =
  | {
      readonly kind: "busy";
      readonly message: string;
      readonly closestMachine: MachineName | null;
      readonly lacks: Readonly<Record<string, number>>;
    }
  | { readonly kind: "no_eligible_machine"; readonly message: string };

export interface Allocation {
  readonly placed: ReadonlyMap<TaskId, MachineName>;
  readonly waiting: ReadonlyMap<TaskId, WaitReason>;
}

/** Where `allocateOne` put its task, or why it waits. */
export type OnePlacement = { readonly machine: MachineName; readonly wait?: undefined } | { readonly machine?: undefined; readonly wait: WaitReason };

/** Whether the machine offers every one of the functions. */
export function offersAll(machine: AllocMachine, functions: Iterable<string>): boolean {
  const offered = machine.functions;
  if (offered === undefined) return true;
  if (Array.isArray(functions)) {
    // Indexed: a task's functions are a shared frozen list, which for…of walked with an iterator result per step.
    const list: readonly string[] = functions;
    for (let i = 0; i < list.length; i++) if (!offered.has(list[i]!)) return false;
    return true;
  }
  for (const fn of functions) if (!offered.has(fn)) return false;
  return true;
}
