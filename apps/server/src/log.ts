/** Structured logs: one JSON object per line on stderr, filtered by level. */
export type LogLevel = "debug" | "info" | "warn" | "error";
const order: Record<LogLevel | "silent", number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export function createLogger(level: LogLevel | "silent", base: Record<string, unknown> = {}): Logger {
  const threshold = order[level];
  const write = (at: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    if (order[at] < threshold) return;
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: at, msg: message, ...base, ...fields })}\n`);
  };
  return {
    debug: (message, fields) => write("debug", message, fields),
    info: (message, fields) => write("info", message, fields),
    warn: (message, fields) => write("warn", message, fields),
    error: (message, fields) => write("error", message, fields),
    child: (fields) => createLogger(level, { ...base, ...fields }),
  };
}
