import { Redis } from "ioredis";
import { describe } from "vitest";
import type { Logger } from "../log.ts";

const redisUrl = process.env["HANDOFF_TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379";
const isRequired = process.env["HANDOFF_REQUIRE_POSTGRES"] === "1";

async function probe(): Promise<string | undefined> {
  const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy: () => null });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === "PONG" ? undefined : "no PONG";
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    client.disconnect();
  }
}
const problem = await probe();

/**
 * A describe block that needs the test Redis (`HANDOFF_TEST_REDIS_URL`, default 127.0.0.1:6379): skipped where it is
 * unreachable, a failure when `HANDOFF_REQUIRE_POSTGRES=1` (CI has both).
 * @example describeRedis("when …", (url) => { it("…", async () => { const raw = new Redis(url); … }); });
 */
export function describeRedis(title: string, body: (url: string) => void): void {
  if (problem !== undefined && isRequired) throw new Error(`HANDOFF_REQUIRE_POSTGRES=1 but Redis at ${redisUrl} is unreachable: ${problem}`);
  describe.skipIf(problem !== undefined)(title, () => body(redisUrl));
}

/** A logger that keeps every line (level and message) for a test to read. */
export function recordingLogger(lines: string[] = []): Logger & { readonly lines: string[] } {
  const write = (level: string) => (message: string) => void lines.push(`${level}: ${message}`);
  const logger = { lines, debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error"), child: () => logger };
  return logger;
}
