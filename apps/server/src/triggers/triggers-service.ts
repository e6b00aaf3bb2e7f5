import { startTriggeredRun, type ApiServices, type TriggersService } from "@handoff/api";
import type { Database } from "@handoff/db";
import type { Logger } from "../log.ts";
import type { Clock, Timers } from "../scheduler/clock.ts";
import { sealHmacKey } from "./webhook-hmac-key.ts";
import type { SecretsKeys } from "../secrets/secrets-key.ts";
import { firingRunKey, ScheduleRunner } from "./schedule-runner.ts";

export interface TriggersOptions {
  readonly db: Database;
  readonly keys: SecretsKeys;
  readonly services: Pick<ApiServices, "dags" | "runs">;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly log: Logger;
  readonly pollMs?: number;
}

/**
 * The API's schedules and webhooks over the repositories, and the schedule runner that fires them (started by
 * `main.ts` once the engine runs; stopped before it).
 * @example
 * const { service, runner } = createTriggers({ db, keys, services, clock: systemClock, timers, log });
 * runner.start();
 */
export function createTriggers(options: TriggersOptions): { readonly service: TriggersService; readonly runner: ScheduleRunner } {
  const { db, keys } = options;
  const runner = new ScheduleRunner({
    db,
    clock: options.clock,
    timers: options.timers,
    log: options.log.child({ component: "schedules" }),
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
    start: (schedule, _scheduledAt, firingId) =>
      startTriggeredRun(options.services, { kind: "schedule", id: schedule.id, dag: { id: schedule.dagId, name: schedule.dagName } }, schedule.params ?? undefined, firingRunKey(firingId)),
  });
  const service: TriggersService = {
    schedules: db.schedules,
    webhooks: db.webhooks,
    sealHmacKey: (webhookId, key) => sealHmacKey(keys, webhookId, key),
    schedulesChanged: () => runner.changed(),
  };
  return { service, runner };
}
