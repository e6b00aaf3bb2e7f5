import { connect } from "node:net";

const redisUrl = process.env["HANDOFF_TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379";
const isRequired = process.env["HANDOFF_REQUIRE_POSTGRES"] === "1";

/** Asks Redis `PING` over a plain socket; answers why it cannot be used, or undefined when it answers `+PONG`. */
async function probeRedis(url: string): Promise<string | undefined> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 6379) });
    const done = (problem: string | undefined): void => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(2000, () => done("no answer within 2 s"));
    socket.once("error", (error) => done(error.message));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (chunk) => done(chunk.toString("utf8").startsWith("+PONG") ? undefined : `unexpected answer ${JSON.stringify(chunk.toString("utf8").slice(0, 80))}`));
  });
}

const problem = await probeRedis(redisUrl);
if (problem !== undefined && !isRequired) {
  console.warn(`\n⚠️  ⚠️  ⚠️  Redis suites SKIPPED: cannot reach ${redisUrl} (${problem}).\n    Start redis-server or set HANDOFF_TEST_REDIS_URL; HANDOFF_REQUIRE_POSTGRES=1 makes this a failure.\n`);
}

/** The Redis replicas' tests use (CI: `.ci/run` starts one), and why it cannot be used. */
export const redisTestServer = { url: redisUrl, problem, isSkipped: problem !== undefined && !isRequired } as const;
