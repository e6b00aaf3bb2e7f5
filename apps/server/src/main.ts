import { ConfigError, loadConfig } from "./env.ts";
import { startServer } from "./http/server.ts";

/** `tsx src/main.ts`: the server alone, configured from the environment. */
// Everything the server writes (data dir, SQLite and its -wal/-shm, admin-token) is for its own user only.
process.umask(0o077);
try {
  const config = loadConfig();
  const server = await startServer({ config });
  console.log(`handoff server on ${server.url}`);
  if (server.bootstrapAdminToken) console.log(`admin token: ${server.bootstrapAdminToken}`);
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(error instanceof ConfigError ? 2 : 1);
}
