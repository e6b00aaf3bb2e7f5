import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export type DaskFigures = {
  readonly wideTasksPerSecond: number;
  readonly chainMsPerHop: number;
  readonly transferMiBs: number;
  /** The receiving worker process's CPU per transfer (median of the 3 after the warm-up), in milliseconds. */
  readonly transferReceiverCpuMs: number;
  readonly workerIdleRssMb: number;
};

const python = "/usr/bin/python3"; // Debian's, where python3-distributed installs (not a pyenv python on PATH)
const script = fileURLToPath(new URL("../../dask/anchors.py", import.meta.url));

function hasDask(): boolean {
  return spawnSync(python, ["-c", "import distributed, psutil"], { stdio: "ignore" }).status === 0;
}

/** Installs Debian's python3-distributed when it is missing and apt can (root); says why not otherwise. */
function ensureDask(): string | undefined {
  if (hasDask()) return undefined;
  if (process.getuid?.() !== 0) return `${python} cannot import distributed and this is not root: apt-get install python3-distributed`;
  console.log("python3-distributed is missing: installing it with apt-get…");
  const install = spawnSync("apt-get", ["install", "-y", "--no-install-recommends", "python3-distributed"], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  return install.status === 0 && hasDask() ? undefined : `apt-get install python3-distributed failed (exit ${String(install.status)})`;
}

/**
 * Runs `bench/dask/anchors.py` (the same shapes on a Dask LocalCluster of 2 worker processes × 1 thread, best of 3
 * after a warm-up): its figures, or why it was skipped.
 */
export function runDaskAnchor(sizeMiB: number): { readonly ok: true; readonly figures: DaskFigures } | { readonly ok: false; readonly reason: string } {
  const missing = ensureDask();
  if (missing !== undefined) return { ok: false, reason: missing };
  const run = spawnSync(python, [script, String(sizeMiB)], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 15 * 60_000 });
  const line = run.stdout?.trim().split("\n").at(-1) ?? "";
  try {
    return { ok: true, figures: JSON.parse(line) as DaskFigures };
  } catch {
    return { ok: false, reason: `the Dask script failed (exit ${String(run.status)}): ${line.slice(0, 200)}` };
  }
}
