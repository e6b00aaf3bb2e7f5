/** With several servers, reconnection attempts stay this close so a failover is found in seconds. */
const MULTI_URL_DELAY_MAX_MS = 1_000;

/**
 * Replicas (issue #18), the agent's side: the server URLs it tries in turn (an agent whose server died, or refused
 * it, moves on to the next; any replica takes agents and forwards their messages to the leader), and the leader
 * epoch it takes assignments from (a deposed leader's late assignments carry a lower one).
 * @example const servers = serverRotation(["http://a:4400", "http://b:4400"]); servers.next(socket); servers.current() // "http://b:4400"
 */
export function serverRotation(urls: readonly string[]) {
  let index = 0;
  return {
    current: (): string => urls[index] ?? "",
    /** The longest wait between attempts: the caller's, capped when there is another URL to try. */
    reconnectDelayMaxMs: (requested: number): number => (urls.length > 1 ? Math.min(requested, MULTI_URL_DELAY_MAX_MS) : requested),
    /** The next attempt goes to the next URL (round robin); socket.io keeps one URL per manager, so it is set there. */
    next(socket: { readonly io: unknown }): void {
      if (urls.length < 2) return;
      index = (index + 1) % urls.length;
      (socket.io as { uri: string }).uri = urls[index] ?? "";
    },
  };
}

/** The highest leader epoch seen, from welcomes and assignments: anything under it comes from a deposed leader. */
export function epochFence() {
  let highest = 0;
  return {
    get highest(): number {
      return highest;
    },
    /** Records `epoch` (when newer) and says whether a message of that epoch may be acted on. */
    accepts(epoch: number | undefined): boolean {
      if (epoch === undefined) return true;
      if (epoch < highest) return false;
      highest = epoch;
      return true;
    },
  };
}
