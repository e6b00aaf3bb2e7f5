import type { SecretMeta } from "@handoff/db";

/**
 * Named secrets (admins only): values go in and never come out through the API — only names and metadata do. The
 * server seals them at rest and opens one only for an agent running an attempt that refers to it.
 */
export interface SecretsService {
  list(): Promise<SecretMeta[]>;
  /** Creates or replaces `name`'s value. */
  set(name: string, value: string, by: string | null): Promise<{ readonly created: boolean; readonly size: number }>;
  delete(name: string): Promise<boolean>;
}
