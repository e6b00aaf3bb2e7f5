import type { Principal } from "@handoff/api";

/** setTimeout's ceiling; longer waits re-arm. */
const maxTimerMs = 2 ** 31 - 1;

/**
 * Signals for requests still open (SSE subscriptions): each aborts when the token or the session behind
 * the request is revoked through this server, or when the credential expires. `runs.watch` and every
 * other subscription end with UNAUTHORIZED then (see `endsWithCredential` in @handoff/api's trpc.ts).
 */
export class LiveCredentials {
  private readonly byToken = new Map<string, Set<AbortController>>();
  private readonly bySession = new Map<string, Set<AbortController>>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Revocation hooks: call from `tokens.onRevoke` and `sessions.onRevoke`. */
  tokenRevoked(tokenId: string): void {
    for (const controller of this.byToken.get(tokenId) ?? []) controller.abort(new Error("the token was revoked"));
  }

  sessionRevoked(sessionId: string): void {
    for (const controller of this.bySession.get(sessionId) ?? []) controller.abort(new Error("the session ended"));
  }

  /** A signal that aborts when `principal`'s credential ends; `release` when the request is over. */
  watch(principal: Principal): { signal: AbortSignal; release: () => void } {
    const controller = new AbortController();
    const add = (map: Map<string, Set<AbortController>>, key: string): void => {
      let set = map.get(key);
      if (!set) map.set(key, (set = new Set()));
      set.add(controller);
    };
    const remove = (map: Map<string, Set<AbortController>>, key: string): void => {
      const set = map.get(key);
      set?.delete(controller);
      if (set?.size === 0) map.delete(key);
    };
    add(this.byToken, principal.tokenId);
    if (principal.sessionId) add(this.bySession, principal.sessionId);
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      if (!principal.expiresAt) return;
      const leftMs = principal.expiresAt.getTime() - this.now();
      if (leftMs <= 0) return controller.abort(new Error("the credential expired"));
      timer = setTimeout(arm, Math.min(leftMs, maxTimerMs));
      timer.unref();
    };
    arm();
    return {
      signal: controller.signal,
      release: () => {
        clearTimeout(timer);
        remove(this.byToken, principal.tokenId);
        if (principal.sessionId) remove(this.bySession, principal.sessionId);
      },
    };
  }

  get size(): number {
    let count = 0;
    for (const set of this.byToken.values()) count += set.size;
    return count;
  }
}
