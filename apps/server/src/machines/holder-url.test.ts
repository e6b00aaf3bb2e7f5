import { describe, expect, it } from "vitest";
import { announcedPort, checkAddressOverride, holderUrl } from "./holder-url.ts";

describe("holder URLs", () => {
  it("formats IPv4, IPv4-mapped IPv6 and IPv6 socket addresses", () => {
    expect(holderUrl("127.0.0.1", 7411)).toBe("http://127.0.0.1:7411");
    expect(holderUrl("::ffff:127.0.0.1", 7411)).toBe("http://127.0.0.1:7411");
    expect(holderUrl("::1", 80)).toBe("http://[::1]:80");
    expect(holderUrl("fe80::1", 80)).toBe("http://[fe80::1]:80");
    expect(holderUrl("build-7.internal", 9)).toBe("http://build-7.internal:9");
  });

  it("takes only the port of an announced result URL", () => {
    expect(announcedPort("http://10.1.2.3:7411/x")).toEqual({ ok: true, port: 7411 });
    expect(announcedPort("https://evil.example/")).toEqual({ ok: true, port: 443 });
    expect(announcedPort("http://h:0")).toMatchObject({ ok: false });
  });

  it("accepts an IP or host name as an override and nothing else", () => {
    expect(checkAddressOverride("10.0.0.5")).toBeUndefined();
    expect(checkAddressOverride("::1")).toBeUndefined();
    expect(checkAddressOverride("node-3.cluster.local")).toBeUndefined();
    expect(checkAddressOverride("http://x")).toContain("address:");
    expect(checkAddressOverride("x/y")).toContain("address:");
    expect(checkAddressOverride("a:1")).toContain("address:");
  });
});
