import { SLOTS, type Resources } from "../dag/model.ts";
import { mergeCosts } from "./resources.ts";

/** What a task without a cost, or a member of a collocation group, claims per attempt: one executor slot. */
export const SLOT_ONLY: Resources = Object.freeze({ [SLOTS]: 1 });

/**
 * What one attempt of a task outside any collocation group claims: its cost, with at least one `slots`.
 * The scheduler claims it, feasibility checks it against total capacity, the editor's preview places it.
 * @example attemptCost({ cpu: 2 }) // { cpu: 2, slots: 1 }; attemptCost({ slots: 3 }) // { slots: 3 }
 */
export function attemptCost(cost: Resources | undefined): Resources {
  if (cost === undefined) return SLOT_ONLY;
  return { ...cost, [SLOTS]: Math.max(1, cost[SLOTS] ?? 1) };
}

/**
 * What placing a collocation group takes on one machine: the members' merged cost (claimed once for the group,
 * released when its last member ends) plus the slot of the member that places it. Later members claim
 * `SLOT_ONLY` each on the group's machine.
 * @example groupPlacementCost({ cpu: 3 }) // { cpu: 3, slots: 1 }
 */
export function groupPlacementCost(mergedCost: Resources): Resources {
  return { ...mergedCost, [SLOTS]: (mergedCost[SLOTS] ?? 0) + 1 };
}

/**
 * The least a machine must hold for a group of tasks placed together: one task's `attemptCost`, or a collocation
 * group's merged cost plus one slot (`groupPlacementCost`).
 */
export function placementCost(memberCosts: readonly (Resources | undefined)[]): Resources {
  if (memberCosts.length === 1) return attemptCost(memberCosts[0]);
  return groupPlacementCost(mergeCosts(memberCosts.map((cost) => cost ?? {})));
}
