import type { SecretMeta } from "@handoff/db";
import type { Database } from "@handoff/db";
import type { Logger } from "../log.ts";
import { openSecret, sealSecret } from "./secret-box.ts";
import { keyWithId, type SecretsKeys } from "./secrets-key.ts";

export type OpenedSecrets = { readonly ok: true; readonly values: Record<string, string> } | { readonly ok: false; readonly kind: "not_found" | "internal"; readonly message: string };

/**
 * Named secrets on the server: sealed with the secrets key before they reach the database, opened only to answer an
 * agent's `secret:resolve` for an attempt that refers to them. The names are kept in memory for the DAG checks.
 * @example
 * const vault = new SecretVault({ db, keys: loadSecretsKeys(config), log });
 * await vault.start();
 * await vault.set("warehouse", "postgres://…", "admin");
 * vault.names().has("warehouse") // true
 */
export class SecretVault {
  private known = new Set<string>();

  constructor(private readonly options: { readonly db: Database; readonly keys: SecretsKeys; readonly log: Logger }) {}

  /** Re-seals what a previous key sealed (rotation), then loads the names. */
  async start(): Promise<void> {
    await this.rotate();
    this.known = new Set((await this.options.db.secrets.list()).map((secret) => secret.name));
  }

  names(): ReadonlySet<string> {
    return this.known;
  }

  list(): Promise<SecretMeta[]> {
    return this.options.db.secrets.list();
  }

  async set(name: string, value: string, by: string | null): Promise<{ readonly created: boolean; readonly size: number }> {
    const { current } = this.options.keys;
    const size = Buffer.byteLength(value, "utf8");
    const { created } = await this.options.db.secrets.put({ name, sealed: sealSecret(current, name, value), keyId: current.keyId, size, by });
    this.known.add(name);
    return { created, size };
  }

  async delete(name: string): Promise<boolean> {
    const deleted = await this.options.db.secrets.delete(name);
    this.known.delete(name);
    return deleted;
  }

  /** The values of `names`, opened; a missing or unopenable one is named (never with a value). */
  async open(names: readonly string[]): Promise<OpenedSecrets> {
    const values: Record<string, string> = {};
    for (const name of new Set(names)) {
      const row = await this.options.db.secrets.get(name);
      if (row === undefined) return { ok: false, kind: "not_found", message: `secret "${name}" does not exist (it was deleted after the run was checked)` };
      const key = keyWithId(this.options.keys, row.keyId);
      if (key === undefined) return { ok: false, kind: "internal", message: `secret "${name}" was sealed with key ${row.keyId}, which this server does not have` };
      try {
        values[name] = openSecret(key, name, row.sealed);
      } catch {
        return { ok: false, kind: "internal", message: `secret "${name}" does not open with key ${row.keyId} (altered in the database?)` };
      }
    }
    return { ok: true, values };
  }

  /** Every secret sealed by a previous key is opened with it and sealed again with the current one. */
  private async rotate(): Promise<void> {
    const { db, keys, log } = this.options;
    for (const row of await db.secrets.sealedWithOtherKeys(keys.current.keyId)) {
      const key = keyWithId(this.options.keys, row.keyId);
      if (key === undefined) {
        log.error("a secret is sealed with a key this server does not have (set HANDOFF_SECRETS_PREVIOUS_KEYS to rotate)", { secret: row.name, keyId: row.keyId });
        continue;
      }
      try {
        await db.secrets.reseal(row.name, sealSecret(keys.current, row.name, openSecret(key, row.name, row.sealed)), keys.current.keyId);
        log.info("secret re-sealed with the current key", { secret: row.name, from: row.keyId, to: keys.current.keyId });
      } catch {
        log.error("a secret does not open with its key (altered in the database?)", { secret: row.name, keyId: row.keyId });
      }
    }
  }
}
