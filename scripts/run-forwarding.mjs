// Runs a child with the terminal's stdio and waits for it without blocking this process, so that stopping this
// process stops everything it started. Between `npm start` and the server sit several `sh -c` layers (npm's and
// pnpm's script shells) that die on SIGTERM without passing it on: a supervisor's SIGTERM to the top left the
// server running under init. So on SIGTERM or SIGHUP, or when this process finds itself orphaned (its parent, such a
// shell, died), the signal goes to every process below it (on Linux from /proc; elsewhere to the child), and this
// process stays until the child has ended. SIGINT is ignored here while the child runs: a terminal's Ctrl-C already
// reaches the whole process group.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { constants } from "node:os";
import { clearInterval, setInterval } from "node:timers";

const FORWARDED = ["SIGTERM", "SIGHUP"];
/** How often an orphaned wrapper is looked for (its parent's death sends no signal). */
const ORPHAN_CHECK_MS = 500;

/** The processes below `pid` (children first), from /proc's parent links; empty where /proc is missing. */
function descendants(pid) {
  let entries;
  try {
    entries = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const children = new Map();
  for (const name of entries) {
    let stat;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue; // it ended meanwhile
    }
    // The command name (field 2) may hold spaces and parentheses: the parent's pid is the second field after the last ")".
    const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const list = children.get(parent) ?? [];
    list.push(Number(name));
    children.set(parent, list);
  }
  const found = [];
  const walk = (of) => {
    for (const child of children.get(of) ?? []) {
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

/**
 * The child's exit status (128 + the signal's number when a signal ended it), or rejects when it could not start.
 * @example const status = await runForwarding("npx", ["-y", "pnpm@10.34.9", "install"], { cwd: root, env });
 */
export function runForwarding(command, args, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: "inherit" });
    const parent = process.ppid;
    let isStopping = false;
    const stop = (signal) => {
      isStopping = true;
      const below = descendants(process.pid);
      if (below.length === 0) child.kill(signal);
      for (const pid of below) {
        try {
          process.kill(pid, signal);
        } catch {
          // it ended meanwhile
        }
      }
    };
    const handlers = FORWARDED.map((signal) => [signal, () => stop(signal)]);
    const ignore = () => undefined;
    for (const [signal, handler] of handlers) process.on(signal, handler);
    process.on("SIGINT", ignore);
    const orphanCheck = setInterval(() => {
      if (!isStopping && process.ppid !== parent) stop("SIGTERM");
    }, ORPHAN_CHECK_MS);
    const done = () => {
      clearInterval(orphanCheck);
      for (const [signal, handler] of handlers) process.off(signal, handler);
      process.off("SIGINT", ignore);
    };
    child.once("error", (error) => {
      done();
      reject(error);
    });
    child.once("exit", (code, signal) => {
      done();
      resolve(code ?? 128 + (signal === null ? 1 : (constants.signals[signal] ?? 1)));
    });
  });
}
