import type { DatabaseClient } from "./database-client.ts";

/** A secret as stored: sealed (never the value), with who made and changed it. */
export interface SecretRecord {
  name: string;
  /** base64url of nonce ‖ ciphertext ‖ tag, opened only by the server's secrets key. */
  sealed: string;
  keyId: string;
  size: number;
  createdAt: Date;
  updatedAt: Date;
  createdBy: string | null;
  updatedBy: string | null;
}

/** What an admin sees of a secret: everything but the sealed value. */
export type SecretMeta = Omit<SecretRecord, "sealed">;

export interface SecretRepository {
  /** Every secret's metadata, by name. */
  list(): Promise<SecretMeta[]>;
  get(name: string): Promise<SecretRecord | undefined>;
  /** Creates or replaces; answers whether it existed before. */
  put(secret: { name: string; sealed: string; keyId: string; size: number; by: string | null }): Promise<{ created: boolean }>;
  /** Re-seals one secret (key rotation) without touching who changed it. */
  reseal(name: string, sealed: string, keyId: string): Promise<void>;
  delete(name: string): Promise<boolean>;
  /** The sealed rows under a key other than `keyId` (to rotate). */
  sealedWithOtherKeys(keyId: string): Promise<SecretRecord[]>;
}

const META = { name: true, keyId: true, size: true, createdAt: true, updatedAt: true, createdBy: true, updatedBy: true } as const;

/**
 * Named secrets, stored sealed: this repository never sees a value, only what the server's secrets key sealed.
 * @example
 * await secrets.put({ name: "warehouse", sealed, keyId, size: 12, by: "admin" });
 * (await secrets.list()).map((secret) => secret.name) // ["warehouse"]
 */
export function createSecretRepository(client: DatabaseClient): SecretRepository {
  return {
    list: () => client.secret.findMany({ select: META, orderBy: { name: "asc" } }),
    async get(name) {
      return (await client.secret.findUnique({ where: { name } })) ?? undefined;
    },
    async put({ name, sealed, keyId, size, by }) {
      const now = new Date();
      const before = await client.secret.findUnique({ where: { name }, select: { name: true } });
      await client.secret.upsert({
        where: { name },
        create: { name, sealed, keyId, size, createdAt: now, updatedAt: now, createdBy: by, updatedBy: by },
        update: { sealed, keyId, size, updatedAt: now, updatedBy: by },
      });
      return { created: before === null };
    },
    async reseal(name, sealed, keyId) {
      await client.secret.update({ where: { name }, data: { sealed, keyId } });
    },
    async delete(name) {
      const deleted = await client.secret.deleteMany({ where: { name } });
      return deleted.count > 0;
    },
    sealedWithOtherKeys: (keyId) => client.secret.findMany({ where: { keyId: { not: keyId } } }),
  };
}
