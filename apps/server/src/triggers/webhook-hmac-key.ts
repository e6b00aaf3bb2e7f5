import type { Database, WebhookRecord } from "@handoff/db";
import type { Logger } from "../log.ts";
import { openSecret, sealSecret } from "../secrets/secret-box.ts";
import { keyWithId, type SecretsKeys } from "../secrets/secrets-key.ts";

/** What a webhook's HMAC key is sealed to: its id, so a sealed key moved to another webhook does not open. */
const labelOf = (webhookId: string): string => `webhook:${webhookId}`;

/** Seals a new webhook's HMAC key with the current secrets key. */
export function sealHmacKey(keys: SecretsKeys, webhookId: string, key: string): { readonly sealed: string; readonly keyId: string } {
  return { sealed: sealSecret(keys.current, labelOf(webhookId), key), keyId: keys.current.keyId };
}

export type OpenedHmacKey = { readonly kind: "unsigned" } | { readonly kind: "key"; readonly key: string } | { readonly kind: "unopenable"; readonly message: string };

/** A webhook's HMAC key, opened with whichever of the server's keys sealed it; named when none of them did. */
export function openHmacKey(keys: SecretsKeys, webhook: Pick<WebhookRecord, "id" | "hmacSealed" | "hmacKeyId">): OpenedHmacKey {
  if (webhook.hmacSealed === null) return { kind: "unsigned" };
  const key = keyWithId(keys, webhook.hmacKeyId ?? "");
  if (key === undefined) return { kind: "unopenable", message: `this webhook's HMAC key was sealed with key ${webhook.hmacKeyId}, which this server does not have` };
  try {
    return { kind: "key", key: openSecret(key, labelOf(webhook.id), webhook.hmacSealed) };
  } catch {
    return { kind: "unopenable", message: `this webhook's HMAC key does not open with key ${webhook.hmacKeyId} (altered in the database?)` };
  }
}

/**
 * At start, every webhook HMAC key a previous secrets key sealed is sealed again with the current one (as the vault
 * does for secrets), so removing the previous key afterwards leaves every signed webhook working.
 */
export async function resealHmacKeys(db: Pick<Database, "webhooks">, keys: SecretsKeys, log: Logger): Promise<void> {
  for (const webhook of await db.webhooks.sealedWithOtherKeys(keys.current.keyId)) {
    const opened = openHmacKey(keys, webhook);
    if (opened.kind !== "key") {
      if (opened.kind === "unopenable") log.error("a webhook's HMAC key cannot be re-sealed (set HANDOFF_SECRETS_PREVIOUS_KEYS to rotate)", { webhookId: webhook.id, reason: opened.message });
      continue;
    }
    const { sealed, keyId } = sealHmacKey(keys, webhook.id, opened.key);
    await db.webhooks.reseal(webhook.id, sealed, keyId);
    log.info("webhook HMAC key re-sealed with the current key", { webhookId: webhook.id, from: webhook.hmacKeyId, to: keyId });
  }
}
