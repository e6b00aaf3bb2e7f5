import { executeLocal } from "@handoff/sdk";
import { describe, expect, it } from "vitest";
import { functions, wordCountDag } from "./pipeline.ts";

describe("the word-count example", () => {
  it("counts words across texts and keeps the most frequent", async () => {
    const outcome = await executeLocal(wordCountDag(["b a b", "c b a"]), { functions });
    expect(outcome.status).toBe("succeeded");
    expect(outcome.results["top"]).toEqual([["b", 3], ["a", 2], ["c", 1]]);
    expect(Object.keys(outcome.results)).not.toContain("words0");
  });
});
