import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { clientAddress } from "./client-address.ts";
import { FailureThrottle } from "./failure-throttle.ts";
import { isSameOrigin } from "./same-origin.ts";

const request = (headers: Record<string, string>, remoteAddress = "127.0.0.1") => ({ headers, socket: { remoteAddress } }) as unknown as IncomingMessage;

describe("when a sign-in request names its origin", () => {
  it("accepts the host it was sent to, by localhost or 127.0.0.1, and the public URL", () => {
    expect(isSameOrigin(request({ origin: "http://127.0.0.1:4400", host: "127.0.0.1:4400" }), undefined)).toBe(true);
    expect(isSameOrigin(request({ origin: "http://localhost:4400", host: "localhost:4400" }), undefined)).toBe(true);
    expect(isSameOrigin(request({ origin: "https://handoff.example.com", host: "10.0.0.5:4400" }), "https://handoff.example.com")).toBe(true);
  });

  it("refuses another site, a missing or opaque origin, and a port that differs", () => {
    expect(isSameOrigin(request({ origin: "http://evil.example", host: "127.0.0.1:4400" }), "http://127.0.0.1:4400")).toBe(false);
    expect(isSameOrigin(request({ host: "127.0.0.1:4400" }), undefined)).toBe(false);
    expect(isSameOrigin(request({ origin: "null", host: "127.0.0.1:4400" }), undefined)).toBe(false);
    expect(isSameOrigin(request({ origin: "http://127.0.0.1:4401", host: "127.0.0.1:4400" }), undefined)).toBe(false);
  });
});

describe("when the server sits behind proxies", () => {
  it("ignores X-Forwarded-For unless told how many proxies to trust, then takes the entry they wrote", () => {
    const forwarded = request({ "x-forwarded-for": "6.6.6.6, 203.0.113.9, 10.0.0.2" }, "10.0.0.1");
    expect(clientAddress(forwarded, 0)).toBe("10.0.0.1");
    expect(clientAddress(forwarded, 1)).toBe("10.0.0.2");
    expect(clientAddress(forwarded, 2)).toBe("203.0.113.9");
    expect(clientAddress(request({}, "10.0.0.1"), 1)).toBe("10.0.0.1");
  });
});

describe("when authentication fails repeatedly", () => {
  it("throttles an address after the limit until its window ends, with a Retry-After", () => {
    const throttle = new FailureThrottle({ maxFailures: 3, windowMs: 60_000, maxAddresses: 100 });
    expect([1, 2, 3].map(() => throttle.fail("a", 1_000).kind)).toEqual(["counted", "counted", "counted"]);
    expect(throttle.fail("a", 31_000)).toEqual({ kind: "throttled", retryAfterSeconds: 30, firstBlocked: true });
    expect(throttle.fail("a", 31_000)).toMatchObject({ kind: "throttled", firstBlocked: false });
    expect(throttle.fail("b", 31_000).kind).toBe("counted");
    expect(throttle.fail("a", 61_000)).toEqual({ kind: "counted", failures: 1 });
  });

  it("remembers a bounded number of addresses", () => {
    const throttle = new FailureThrottle({ maxFailures: 3, windowMs: 60_000, maxAddresses: 100 });
    for (let i = 0; i < 10_000; i++) throttle.fail(`198.51.${Math.floor(i / 256)}.${i % 256}`, 1_000);
    expect(throttle.size).toBeLessThanOrEqual(100);
  });
});
