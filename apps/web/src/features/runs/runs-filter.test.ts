import { describe, expect, it } from "vitest";
import { NO_FILTER, isFiltered, parseRunsFilter, runsFilterToInput, runsFilterToQuery } from "./runs-filter.ts";

describe("runs filter ⇄ query string", () => {
  it("round-trips every filter", () => {
    const filter = { status: "failed" as const, dag: "etl nightly", startedBy: "ci", from: "2026-11-28T09:00", to: "2026-11-28T18:30" };
    const query = runsFilterToQuery(filter);
    expect(query).toBe("status=failed&dag=etl+nightly&startedBy=ci&from=2026-11-28T09%3A00&to=2026-11-28T18%3A30");
    expect(parseRunsFilter(new URLSearchParams(query))).toEqual(filter);
  });

  it("leaves empty filters out of the URL", () => {
    expect(runsFilterToQuery(NO_FILTER)).toBe("");
    expect(isFiltered(NO_FILTER)).toBe(false);
    expect(isFiltered({ ...NO_FILTER, dag: "x" })).toBe(true);
  });

  it("drops an unknown status and malformed times from a hand-edited URL", () => {
    expect(parseRunsFilter(new URLSearchParams("status=exploded&from=yesterday&to=2026-11-28T10:00:00&dag=%20a%20"))).toEqual({ ...NO_FILTER, dag: "a", to: "2026-11-28T10:00:00" });
  });
});

describe("runsFilterToInput", () => {
  it("sends only the filters that are set, times as ISO instants", () => {
    const input = runsFilterToInput({ status: null, dag: "", startedBy: "ann", from: "2026-11-28T09:00", to: "" }, (local) => `${local}:00.000Z`);
    expect(input).toEqual({ startedBy: "ann", from: "2026-11-28T09:00:00.000Z" });
  });
});
