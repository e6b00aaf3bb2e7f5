import { openTestDatabase, type TestDatabase } from "@handoff/db/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LiveCredentials } from "./live-credentials.ts";
import { SessionPolicy, SessionService } from "./sessions.ts";
import { SignInCodeService, SignInCodeTtlMs } from "./sign-in-codes.ts";
import { TokenService } from "./tokens.ts";

// Expiry on a real SQLite database with a clock we move (what a test cannot wait for: hours and days).
let test: TestDatabase;
let now: number;
const clock = () => now;

beforeEach(async () => {
  test = await openTestDatabase("sqlite");
  now = Date.parse("2026-07-01T00:00:00.000Z");
}, 180_000);
afterEach(async () => {
  await test.dispose();
}, 180_000);

describe("when a token carries an expiry", () => {
  it("works until it expires, then is refused (even from the cache)", async () => {
    const tokens = new TokenService(test.db, { now: clock });
    const { token } = await tokens.create("ci", "user", null, { expiresInHours: 2 });
    expect(await tokens.authenticate(token)).toMatchObject({ name: "ci", kind: "user" });
    now += 2 * 3_600_000 - 1;
    expect(await tokens.authenticate(token)).toBeDefined();
    now += 1;
    expect(await tokens.authenticate(token)).toBeUndefined();
    await expect(tokens.create("bad", "user", null, { expiresInHours: 0 })).rejects.toThrow(/expiresInHours/);
  });

  it("notices a revocation made by another server once its cache is re-read", async () => {
    const here = new TokenService(test.db, { now: clock, recheckMs: 5_000 });
    const elsewhere = new TokenService(test.db, { now: clock });
    const { id, token } = await here.create("shared", "admin", null);
    expect(await here.authenticate(token)).toBeDefined();
    await elsewhere.revoke(id);
    now += 5_001;
    expect(await here.authenticate(token)).toBeUndefined();
  });
});

describe("when a one-time sign-in code is minted", () => {
  it("expires after 10 minutes", async () => {
    const tokens = new TokenService(test.db, { now: clock });
    const codes = new SignInCodeService(test.db, { now: clock });
    const { id } = await tokens.create("admin", "admin", null);
    const fresh = await codes.mint(id);
    const stale = await codes.mint(id);
    expect(await codes.redeem(fresh.code)).toBe(id);
    now += SignInCodeTtlMs;
    expect(await codes.redeem(stale.code)).toBeUndefined();
  });
});

describe("when a session is idle or old", () => {
  it("ends after 12 h without a request, and 7 days after sign-in however busy", async () => {
    const tokens = new TokenService(test.db, { now: clock });
    const sessions = new SessionService(test.db, { now: clock, recheckMs: 0 });
    const { token } = await tokens.create("admin", "admin", null);
    const principal = (await tokens.authenticate(token))!;
    const t0 = now;
    const idle = await sessions.create(principal, { userAgent: null, ip: null });
    const busy = await sessions.create(principal, { userAgent: null, ip: null });
    now = t0 + 3_600_000;
    expect(await sessions.authenticate(idle.secret)).toBeDefined();
    // `busy` is used every hour; `idle` was last used at t0 + 1 h.
    while (now + 3_600_000 < t0 + SessionPolicy.absoluteMs) {
      now += 3_600_000;
      expect(await sessions.authenticate(busy.secret)).toBeDefined();
      if (now === t0 + 3_600_000 + SessionPolicy.idleMs) expect(await sessions.authenticate(idle.secret)).toBeUndefined();
    }
    now = t0 + SessionPolicy.absoluteMs;
    expect(await sessions.authenticate(busy.secret)).toBeUndefined();
  });

  it("aborts a live request's signal when its credential expires or is revoked", async () => {
    const live = new LiveCredentials(clock);
    const expired = live.watch({ tokenId: "t1", name: "a", kind: "admin", expiresAt: new Date(now - 1) });
    expect(expired.signal.aborted).toBe(true);
    const session = live.watch({ tokenId: "t2", name: "b", kind: "user", sessionId: "s2" });
    const token = live.watch({ tokenId: "t2", name: "b", kind: "user" });
    live.sessionRevoked("s2");
    expect([session.signal.aborted, token.signal.aborted]).toEqual([true, false]);
    live.tokenRevoked("t2");
    expect(token.signal.aborted).toBe(true);
    for (const watched of [expired, session, token]) watched.release();
    expect(live.size).toBe(0);
  });
});
