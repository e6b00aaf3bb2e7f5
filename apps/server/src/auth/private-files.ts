import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { isMainThread } from "node:worker_threads";
import { parseDatabaseUrl } from "@handoff/db";

/**
 * Keeps the server's files to its own user: umask 077 for everything the process creates from now on
 * (process-wide; worker threads cannot change it and skip that step), the data dir 0700, and an existing
 * SQLite file with its `-wal`/`-shm` 0600 (data dirs made by older versions were world-readable).
 */
export function makeFilesPrivate(dataDir: string, databaseUrl: string): void {
  if (isMainThread) process.umask(0o077);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  const location = parseDatabaseUrl(databaseUrl);
  if (location.provider !== "sqlite") return;
  for (const file of [location.path, `${location.path}-wal`, `${location.path}-shm`, `${location.path}-journal`]) {
    if (existsSync(file)) chmodSync(file, 0o600);
  }
}
