import type { DatabaseClient } from "./database-client.ts";
import type { Log } from "./generated/sqlite/client.ts";

export const LogLevel = { Debug: "debug", Info: "info", Warn: "warn", Error: "error" } as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

export interface LogRecord {
  /** Increases with every append: the cursor. */
  id: number;
  runId: string;
  taskId: string | null;
  attemptId: string | null;
  level: LogLevel;
  message: string;
  timestamp: Date;
}

export type NewLogEntry = Omit<LogRecord, "id" | "taskId" | "attemptId"> & { taskId?: string | null; attemptId?: string | null };

export interface LogQuery {
  runId: string;
  taskId?: string;
  attemptId?: string;
  /** Only entries with a larger id: pass the previous page's `nextCursor` (tailing works the same way). */
  afterId?: number;
  /** 1..5000, default 500. */
  limit?: number;
}

export interface LogPage {
  logs: LogRecord[];
  /** Id of the last entry returned (pass as `afterId`); undefined when the page is empty. */
  nextCursor: number | undefined;
  hasMore: boolean;
}

export interface LogRepository {
  append(entries: readonly NewLogEntry[]): Promise<number>;
  /** Oldest first. */
  list(query: LogQuery): Promise<LogPage>;
}

const toLogRecord = (row: Log): LogRecord => ({ ...row, level: row.level as LogLevel });

/**
 * Storage of task logs, appended in batches and read by run or task with a cursor.
 * @example
 * const logs = createLogRepository(client);
 * await logs.append([{ runId, taskId: "a", attemptId: `${runId}/a#1`, level: "info", message: "started", timestamp: new Date() }]);
 * const { logs: page, nextCursor } = await logs.list({ runId, taskId: "a" });
 */
export function createLogRepository(client: DatabaseClient): LogRepository {
  return {
    async append(entries) {
      if (entries.length === 0) return 0;
      const { count } = await client.log.createMany({
        data: entries.map((e) => ({
          runId: e.runId,
          taskId: e.taskId ?? null,
          attemptId: e.attemptId ?? null,
          level: e.level,
          message: e.message,
          timestamp: e.timestamp,
        })),
      });
      return count;
    },

    async list(query) {
      const limit = Math.min(Math.max(query.limit ?? 500, 1), 5000);
      const rows = await client.log.findMany({
        where: {
          runId: query.runId,
          ...(query.taskId === undefined ? {} : { taskId: query.taskId }),
          ...(query.attemptId === undefined ? {} : { attemptId: query.attemptId }),
          ...(query.afterId === undefined ? {} : { id: { gt: query.afterId } }),
        },
        orderBy: { id: "asc" },
        take: limit + 1,
      });
      const page = rows.slice(0, limit).map(toLogRecord);
      return { logs: page, nextCursor: page[page.length - 1]?.id, hasMore: rows.length > limit };
    },
  };
}
