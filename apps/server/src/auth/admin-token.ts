import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Database } from "@handoff/db";
import type { TokenService } from "./tokens.ts";

/**
 * The first start creates an admin token and keeps it in `<dataDir>/admin-token` (mode 600) so the
 * embedded default can print a sign-in line on every start. Later starts reuse it while it is valid.
 */
export async function ensureAdminToken(db: Database, tokens: TokenService, dataDir: string): Promise<string | undefined> {
  const file = path.join(dataDir, "admin-token");
  if (existsSync(file)) {
    const saved = readFileSync(file, "utf8").trim();
    if ((await tokens.authenticate(saved))?.kind === "admin") return saved;
  }
  const existing = (await db.tokens.list()).filter((token) => token.kind === "admin" && !token.revokedAt);
  if (existing.length > 0) return undefined;
  const { token } = await tokens.create("bootstrap admin", "admin", null);
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}
