import { SLOTS, type Resources } from "../dag/model.ts";

/**
 * A machine's `slots` (its executor pool: how many attempts run on it at once). The one rule: what it announces;
 * else its whole `cpu` count (an agent announces its available parallelism as `cpu`); else 1. Never below 1.
 * The agent sizes its worker pool with it, the server and the core register machines with it, and `executeLocal`
 * sizes its one machine with it.
 * @example machineSlots({ cpu: 8 }) // 8; machineSlots({ cpu: 8, slots: 2 }) // 2; machineSlots({ gpu: 1 }) // 1
 */
export function machineSlots(capacity: Resources): number {
  const announced = capacity[SLOTS];
  if (announced !== undefined) return Math.max(1, Math.floor(announced));
  const cpu = capacity["cpu"];
  return cpu === undefined ? 1 : Math.max(1, Math.floor(cpu));
}

/** `capacity` with its `slots` set by `machineSlots` (a copy). */
export function withMachineSlots(capacity: Resources): Resources {
  return { ...capacity, [SLOTS]: machineSlots(capacity) };
}
