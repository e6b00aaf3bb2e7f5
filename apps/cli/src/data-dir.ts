import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository this CLI lives in (apps/cli/src → three levels up). */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * The one data directory `handoff start` writes and the client commands read (`admin-token`): `--data-dir`,
 * then HANDOFF_DATA_DIR, then `.handoff/` in the repository root — never the working directory, which
 * differs between `npm start` (pnpm runs it in apps/cli) and `npm run handoff` (the root).
 * @example resolveDataDir(undefined, {}) // "/path/to/repo/.handoff"
 */
export function resolveDataDir(flag: string | undefined, env: Readonly<Record<string, string | undefined>> = process.env): string {
  const chosen = flag ?? env["HANDOFF_DATA_DIR"];
  return chosen ? path.resolve(chosen) : path.join(repoRoot, ".handoff");
}
