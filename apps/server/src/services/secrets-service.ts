import type { SecretsService } from "@handoff/api";
import type { SecretVault } from "../secrets/secret-vault.ts";

/** The API's secrets over the vault (which seals values before the database sees them). */
export function createSecretsService(vault: SecretVault): SecretsService {
  return {
    list: () => vault.list(),
    set: (name, value, by) => vault.set(name, value, by),
    delete: (name) => vault.delete(name),
  };
}
