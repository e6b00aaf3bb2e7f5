import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync, type Stats } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** A data dir, key file or token file this agent must not trust (another user could read or replace it). */
export class UnsafePathError extends Error {
  override readonly name = "UnsafePathError";
}

/**
 * Where an agent keeps its identity key and spilled results when `--data-dir` / `HANDOFF_AGENT_DATA_DIR` say nothing:
 * `$XDG_DATA_HOME/handoff/agent/<name>`, else `~/.local/share/handoff/agent/<name>` — private and surviving a
 * reboot, unlike the temp folder (which any local user can write into).
 * @example defaultAgentDataDir("gpu-1", process.env) // "/home/ada/.local/share/handoff/agent/gpu-1"
 */
export function defaultAgentDataDir(name: string, env: Readonly<Record<string, string | undefined>>, home: string = homedir()): string {
  const base = env["XDG_DATA_HOME"] !== undefined && env["XDG_DATA_HOME"] !== "" ? env["XDG_DATA_HOME"] : join(home, ".local", "share");
  return join(base, "handoff", "agent", name.replace(/[^\w.-]/g, "_"));
}

const currentUid = (): number | undefined => (typeof process.getuid === "function" ? process.getuid() : undefined);

function checkOwnedAndPrivate(path: string, stats: Stats, what: string, forbiddenBits: number, advice: string): void {
  const uid = currentUid();
  if (uid !== undefined && stats.uid !== uid) throw new UnsafePathError(`${what} ${path} is owned by uid ${stats.uid}, not by this user (uid ${uid}); ${advice}`);
  if ((stats.mode & forbiddenBits) !== 0) {
    throw new UnsafePathError(`${what} ${path} has mode ${(stats.mode & 0o777).toString(8).padStart(3, "0")}; ${advice}`);
  }
}

/**
 * Creates the data dir (mode 0700, parents too) or checks an existing one: it must belong to this user and be
 * writable by no one else, otherwise another local user could swap the identity key or the results.
 */
export function prepareAgentDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  checkOwnedAndPrivate(dir, statSync(dir), "the agent's data dir", 0o022, "use a private folder (chmod 700) or --data-dir");
}

/**
 * The machine's identity key in `<dataDir>/identity.key` (PKCS#8 PEM, mode 0600): created on first start, then read.
 * A key file that others can read, or that belongs to another user, is refused.
 */
export function readOrCreateKeyFile(dataDir: string, create: () => string): { readonly pem: string; readonly created: boolean } {
  const file = join(dataDir, "identity.key");
  let fd: number;
  try {
    fd = openSync(file, "wx", 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    checkOwnedAndPrivate(file, statSync(file), "the identity key", 0o077, "it must be readable by this user only (chmod 600)");
    return { pem: readFileSync(file, "utf8"), created: false };
  }
  try {
    const pem = create();
    writeFileSync(fd, pem);
    return { pem, created: true };
  } finally {
    closeSync(fd);
  }
}

/** The join token from a file given with `--token-file`: mode 0600 (or stricter), this user's, one line. */
export function readTokenFile(path: string): string {
  const fd = openSync(path, "r");
  try {
    checkOwnedAndPrivate(path, fstatSync(fd), "--token-file", 0o077, "it must be readable by this user only (chmod 600)");
    const token = readFileSync(fd, "utf8").trim();
    if (token === "" || /\s/.test(token)) throw new UnsafePathError(`--token-file ${path} must hold one token on one line`);
    return token;
  } finally {
    closeSync(fd);
  }
}
