import type { ScheduleRepository, WebhookRepository } from "@handoff/db";

/**
 * Schedules and webhooks of saved DAGs (issue #17): the stored rows, and the two things only the server can do — seal
 * a webhook's HMAC key with its secrets key, and wake its schedule runner after a change.
 */
export interface TriggersService {
  readonly schedules: Pick<ScheduleRepository, "create" | "update" | "delete" | "get" | "list" | "firings">;
  readonly webhooks: Pick<WebhookRepository, "create" | "setEnabled" | "delete" | "get" | "list" | "deliveries">;
  /** Seals a webhook's HMAC key (the webhook id is the additional data). */
  sealHmacKey(webhookId: string, key: string): { readonly sealed: string; readonly keyId: string };
  /** A schedule was created, changed or deleted: the runner plans again now. */
  schedulesChanged(): void;
}
