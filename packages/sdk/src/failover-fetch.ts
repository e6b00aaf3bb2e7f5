/** How long a client waits for a leader when no replica holds the lease yet (a failover takes a few seconds). */
const NO_LEADER_WAIT_MS = 500;
const NO_LEADER_ROUNDS = 20;

/**
 * Replicas (issue #18): a `fetch` for requests built against `origins[0]` that sends each one to the server in use,
 * and moves to another when that one stops answering or says it is a standby (`not_leader`, with the leader's URL
 * when one holds the lease; without one it waits a moment and tries again, ~10 s at most). A request whose connection
 * failed was never received, so it is sent again; one cut off after it was sent is not (a `runs.start` could have
 * been taken: retry it with an `idempotencyKey`).
 * @example
 * const { fetch } = failoverFetch(["http://a:4400", "http://b:4400"]);
 * await fetch("http://a:4400/api/trpc/runs.list"); // goes to b while a is down
 */
export function failoverFetch(origins: readonly string[]): { fetch: typeof fetch; current(): string } {
  const first = origins[0];
  if (first === undefined) throw new TypeError("failoverFetch needs at least one server URL");
  let current = first;
  const next = (from: string): string => origins[(origins.indexOf(from) + 1) % origins.length] ?? first;

  const send: typeof fetch = async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const path = url.startsWith(first) ? url.slice(first.length) : undefined;
    if (path === undefined) return fetch(input, init);
    let lastError: unknown;
    for (let round = 0; round < origins.length * NO_LEADER_ROUNDS; round++) {
      const origin = current;
      let response: Response;
      try {
        response = await fetch(origin + path, init);
      } catch (error) {
        if (!neverSent(error) || init?.signal?.aborted === true) throw error;
        lastError = error;
        if (current === origin) current = next(origin);
        if ((round + 1) % origins.length === 0) await pause(NO_LEADER_WAIT_MS);
        continue;
      }
      const refusal = response.status === 503 ? await notLeader(response) : undefined;
      if (refusal === undefined) return response;
      current = refusal.leaderUrl !== undefined && origins.includes(refusal.leaderUrl) && refusal.leaderUrl !== origin ? refusal.leaderUrl : next(origin);
      lastError = undefined;
      if (refusal.leaderUrl === undefined || refusal.leaderUrl === origin) await pause(NO_LEADER_WAIT_MS);
      if (round === origins.length * NO_LEADER_ROUNDS - 1) return response;
    }
    if (lastError instanceof Error) throw lastError;
    throw new Error(`no server among ${origins.join(", ")} answered`);
  };
  return { fetch: send, current: () => current };
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The connection failed before the request went out (refused, no route, unknown host). */
function neverSent(error: unknown): boolean {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === "string" ? cause.code : undefined;
  return code === "ECONNREFUSED" || code === "EHOSTUNREACH" || code === "ENETUNREACH" || code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "UND_ERR_CONNECT_TIMEOUT";
}

/** A standby's refusal, read from a tRPC error (single or batched) or a raw `{ error }` body. */
async function notLeader(response: Response): Promise<{ leaderUrl: string | undefined } | undefined> {
  const text = await response.clone().text().catch(() => "");
  if (!text.includes('"not_leader"')) return undefined;
  const match = /"leaderUrl":"([^"]+)"/u.exec(text);
  return { leaderUrl: match?.[1] };
}
