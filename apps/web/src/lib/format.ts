/** `1234` → `1.2 s`, `65_000` → `1 m 05 s`; `null` → `—`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const totalSeconds = Math.floor(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return `${hours} h ${String(minutes).padStart(2, "0")} m`;
  return `${minutes} m ${String(seconds).padStart(2, "0")} s`;
}

const UNITS = ["B", "KB", "MB", "GB", "TB"] as const;

/** Bytes in binary multiples, one decimal past the first unit: `1536` → `1.5 KB`. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return "—";
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** Milliseconds between two ISO times, or until `now` when the end is missing. */
export function elapsedMs(startIso: string | null | undefined, endIso: string | null | undefined, now: number): number | null {
  if (startIso === null || startIso === undefined) return null;
  const start = Date.parse(startIso);
  if (Number.isNaN(start)) return null;
  const end = endIso === null || endIso === undefined ? now : Date.parse(endIso);
  return Number.isNaN(end) ? null : Math.max(0, end - start);
}

/** `2026-11-28T10:00:00Z` → local `10:00:00` today, or the date too when not today. */
export function formatTime(iso: string | null | undefined, now: Date = new Date()): string {
  if (iso === null || iso === undefined) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "—";
  const time = date.toLocaleTimeString(undefined, { hour12: false });
  return date.toDateString() === now.toDateString() ? time : `${date.toLocaleDateString()} ${time}`;
}
