import { describe, expect, it } from "vitest";
import { MAX_SERVER_URLS, parseServerUrls } from "./server-urls.ts";

describe("parseServerUrls", () => {
  it("takes one URL or several, comma-separated, trimmed", () => {
    expect(parseServerUrls("http://a:4400")).toEqual({ ok: true, urls: ["http://a:4400"] });
    expect(parseServerUrls("http://a:4400, https://b")).toEqual({ ok: true, urls: ["http://a:4400", "https://b"] });
  });

  it.each([
    ["not a url", /"not a url" is not a URL/],
    ["http://a:4400,,http://b", /"" is not a URL.*\(URL 2 of 3\)/],
    ["ftp://a", /http:\/\/ or https:\/\/ URL, got ftp:/],
    [Array.from({ length: MAX_SERVER_URLS + 1 }, (_, i) => `http://h${i}`).join(","), /at most 16 URLs, got 17/],
  ])("refuses %j, naming what is wrong", (list, message) => {
    const parsed = parseServerUrls(list);
    expect(parsed.ok ? "accepted" : parsed.message).toMatch(message);
  });
});
