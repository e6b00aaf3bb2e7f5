import { AgentEvent, PROTOCOL_VERSION, type ResultEvictedItem, type TaskFinishedItem, type TaskLogItem } from "@handoff/protocol";

const MAX_QUEUED_LOGS = 100_000;
const DEFAULT_MAX_BATCH_BYTES = 512 * 1024;

/**
 * Takes the items of one message off the front of `queue`: at most `maxItems`, and at most `maxBytes` of JSON (always
 * at least one item: a single item is bounded by its schema).
 */
export function takeBatch<T>(queue: T[], maxItems: number, maxBytes: number): T[] {
  let bytes = 0;
  let count = 0;
  while (count < queue.length && count < maxItems) {
    const size = Buffer.byteLength(JSON.stringify(queue[count])) + 1;
    if (count > 0 && bytes + size > maxBytes) break;
    bytes += size;
    count += 1;
  }
  return queue.splice(0, count);
}

type ReportEvent = typeof AgentEvent.TaskLogs | typeof AgentEvent.TaskFinished | typeof AgentEvent.ResultEvicted;

export interface ReportOutboxOptions {
  /** Sends one batch; called only while `canSend()`. */
  readonly emit: (event: ReportEvent, message: { v: typeof PROTOCOL_VERSION; items: unknown[] }) => void;
  /** Welcomed and connected: reports made otherwise wait for the next welcome. */
  readonly canSend: () => boolean;
  readonly warn: (message: string) => void;
  /** 0: everything reported in one turn of the event loop leaves in one message. */
  readonly flushDelayMs?: number;
  readonly maxBatchItems?: number;
  readonly maxBatchBytes?: number;
}

/**
 * The agent's reports to the server (finished attempts, log lines, evicted results), queued while it cannot send and
 * sent in batches of at most `maxBatchItems` and `maxBatchBytes` (lowered to half the server's message limit when the
 * welcome says it): one message over the server's limit would close the socket and lose the batch.
 * @example
 * const outbox = createReportOutbox({ emit: (event, message) => socket.emit(event, message), canSend, warn });
 * outbox.finished(item); // leaves in this turn's batch
 */
export function createReportOutbox(options: ReportOutboxOptions) {
  const flushDelayMs = options.flushDelayMs ?? 0;
  const maxBatchItems = options.maxBatchItems ?? 1_000;
  const configuredBytes = options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
  let maxBatchBytes = configuredBytes;
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  let flushImmediate: ReturnType<typeof setImmediate> | undefined;
  let droppedLogs = 0;
  const finished: TaskFinishedItem[] = [];
  const logs: TaskLogItem[] = [];
  const evicted: ResultEvictedItem[] = [];

  const drain = (event: ReportEvent, queue: unknown[]): void => {
    while (queue.length > 0) options.emit(event, { v: PROTOCOL_VERSION, items: takeBatch(queue, maxBatchItems, maxBatchBytes) });
  };

  const flush = (): void => {
    if (flushTimer !== undefined) clearTimeout(flushTimer);
    flushTimer = undefined;
    flushImmediate = undefined;
    if (!options.canSend()) return;
    // Logs first: the server attributes an attempt's log lines while the attempt is still open.
    drain(AgentEvent.TaskLogs, logs);
    drain(AgentEvent.TaskFinished, finished);
    drain(AgentEvent.ResultEvicted, evicted);
    if (droppedLogs > 0) {
      options.warn(`dropped ${droppedLogs} task log lines while disconnected (more than ${MAX_QUEUED_LOGS} queued)`);
      droppedLogs = 0;
    }
  };

  const scheduleFlush = (): void => {
    if (finished.length >= maxBatchItems || logs.length >= maxBatchItems) flush();
    else if (flushDelayMs === 0) flushImmediate ??= setImmediate(flush);
    else flushTimer ??= setTimeout(flush, flushDelayMs);
  };

  return {
    finished(item: TaskFinishedItem): void {
      finished.push(item);
      scheduleFlush();
    },
    evicted(item: ResultEvictedItem): void {
      evicted.push(item);
      scheduleFlush();
    },
    log(item: TaskLogItem): void {
      logs.push(item);
      if (logs.length > MAX_QUEUED_LOGS) {
        logs.shift();
        droppedLogs += 1;
      }
      scheduleFlush();
    },
    /** A welcome: batches stay under half the server's message limit, then what waited is sent. */
    welcomed(serverMaxMessageBytes: number | undefined): void {
      if (serverMaxMessageBytes !== undefined) maxBatchBytes = Math.min(configuredBytes, Math.floor(serverMaxMessageBytes / 2));
      flush();
    },
    close(): void {
      if (flushTimer !== undefined) clearTimeout(flushTimer);
      if (flushImmediate !== undefined) clearImmediate(flushImmediate);
    },
  };
}
