import { randomUUID } from "node:crypto";
import type { DatabaseClient } from "./database-client.ts";
import type { Webhook, WebhookDelivery } from "./generated/sqlite/client.ts";

export interface WebhookRecord {
  id: string;
  dagId: string;
  /** The saved DAG's name (joined). */
  dagName: string;
  name: string;
  /** SHA-256 (hex) of the URL token: the token itself is never stored. */
  tokenHash: string;
  /** The HMAC key sealed with the server's secrets key; null when no signature is required. */
  hmacSealed: string | null;
  hmacKeyId: string | null;
  enabled: boolean;
  createdBy: string | null;
  createdAt: Date;
}

export type DeliveryOutcome = "started" | "refused";

export interface DeliveryRecord {
  id: string;
  webhookId: string;
  at: Date;
  status: number;
  outcome: DeliveryOutcome;
  reason: string | null;
  runId: string | null;
}

export interface NewWebhook {
  readonly id: string;
  readonly dagId: string;
  readonly name: string;
  readonly tokenHash: string;
  readonly hmacSealed: string | null;
  readonly hmacKeyId: string | null;
  readonly createdBy: string | null;
  readonly createdAt: Date;
}

/** Deliveries kept per webhook: older ones are pruned as new ones arrive. */
export const MAX_DELIVERIES_KEPT = 200;

export interface WebhookRepository {
  create(webhook: NewWebhook): Promise<WebhookRecord>;
  setEnabled(id: string, enabled: boolean): Promise<WebhookRecord | undefined>;
  delete(id: string): Promise<boolean>;
  get(id: string): Promise<WebhookRecord | undefined>;
  byTokenHash(tokenHash: string): Promise<WebhookRecord | undefined>;
  list(dagId: string): Promise<WebhookRecord[]>;
  recordDelivery(delivery: Omit<DeliveryRecord, "id">): Promise<void>;
  /** Newest first, at most `limit`. */
  deliveries(webhookId: string, limit: number): Promise<DeliveryRecord[]>;
  /** Signed webhooks whose HMAC key is sealed under a key other than `keyId` (to rotate). */
  sealedWithOtherKeys(keyId: string): Promise<WebhookRecord[]>;
  reseal(id: string, hmacSealed: string, hmacKeyId: string): Promise<void>;
}

type Row = Webhook & { dag: { name: string } };
const withDag = { dag: { select: { name: true } } } as const;
const toRecord = ({ dag, ...row }: Row): WebhookRecord => ({ ...row, dagName: dag.name });
const toDelivery = (row: WebhookDelivery): DeliveryRecord => ({ ...row, outcome: row.outcome as DeliveryOutcome });

/**
 * Webhook triggers (found by the hash of their URL token) and what each request to them became.
 * @example
 * const hook = await webhooks.byTokenHash(sha256Hex(token)); // undefined: no such webhook
 */
export function createWebhookRepository(client: DatabaseClient): WebhookRepository {
  return {
    async create(webhook) {
      return toRecord(await client.webhook.create({ data: { ...webhook, enabled: true }, include: withDag }));
    },
    async setEnabled(id, enabled) {
      const updated = await client.webhook.updateMany({ where: { id }, data: { enabled } });
      return updated.count === 0 ? undefined : this.get(id);
    },
    async delete(id) {
      return (await client.webhook.deleteMany({ where: { id } })).count > 0;
    },
    async get(id) {
      const row = await client.webhook.findUnique({ where: { id }, include: withDag });
      return row === null ? undefined : toRecord(row);
    },
    async byTokenHash(tokenHash) {
      const row = await client.webhook.findUnique({ where: { tokenHash }, include: withDag });
      return row === null ? undefined : toRecord(row);
    },
    async list(dagId) {
      return (await client.webhook.findMany({ where: { dagId }, include: withDag, orderBy: [{ createdAt: "asc" }, { id: "asc" }] })).map(toRecord);
    },
    async recordDelivery(delivery) {
      await client.webhookDelivery.create({ data: { id: randomUUID(), ...delivery } });
      const stale = await client.webhookDelivery.findMany({ where: { webhookId: delivery.webhookId }, orderBy: [{ at: "desc" }, { id: "desc" }], skip: MAX_DELIVERIES_KEPT, select: { id: true } });
      if (stale.length > 0) await client.webhookDelivery.deleteMany({ where: { id: { in: stale.map((row) => row.id) } } });
    },
    async deliveries(webhookId, limit) {
      return (await client.webhookDelivery.findMany({ where: { webhookId }, orderBy: [{ at: "desc" }, { id: "desc" }], take: limit })).map(toDelivery);
    },
    async sealedWithOtherKeys(keyId) {
      return (await client.webhook.findMany({ where: { hmacSealed: { not: null }, OR: [{ hmacKeyId: null }, { hmacKeyId: { not: keyId } }] }, include: withDag })).map(toRecord);
    },
    async reseal(id, hmacSealed, hmacKeyId) {
      await client.webhook.update({ where: { id }, data: { hmacSealed, hmacKeyId } });
    },
  };
}
