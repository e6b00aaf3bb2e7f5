import { readFileSync } from "node:fs";
import { executeLocal } from "@handoff/sdk";
import { describe, expect, it } from "vitest";
import { EXAMPLE_BUILDERS } from "./example-builders.ts";
import { EXAMPLE_DAG_FILES } from "./example-dags.ts";
import { functions } from "./pipeline.ts";
import { showcaseFunctions } from "./showcase.ts";

const everyFunction = [...functions, ...showcaseFunctions];

describe("the example DAG files", () => {
  it.each(Object.keys(EXAMPLE_BUILDERS))("%s.dag.json is what its builder writes (npm run write-dags)", (name) => {
    const onDisk: unknown = JSON.parse(readFileSync(new URL(`../${name}.dag.json`, import.meta.url), "utf8"));
    expect(onDisk).toEqual(EXAMPLE_BUILDERS[name]!().toJSON());
    expect(EXAMPLE_DAG_FILES).toContainEqual(onDisk);
  });

  it("are all listed for the dashboard", () => {
    expect(EXAMPLE_DAG_FILES).toHaveLength(Object.keys(EXAMPLE_BUILDERS).length);
  });

  it("fan out and in: four shares of squares add up to 650", async () => {
    const outcome = await executeLocal(EXAMPLE_BUILDERS["fan-out-fan-in"]!(), { functions: everyFunction });
    expect(outcome.status).toBe("succeeded");
    expect(outcome.results["total"]).toBe(650);
  });

  it("transform edges: the max picked on the producer's side and doubled on the consumer's, the mean picked", async () => {
    const outcome = await executeLocal(EXAMPLE_BUILDERS["edge-transforms"]!(), { functions: everyFunction });
    expect(outcome.status).toBe("succeeded");
    expect(outcome.results["max_doubled"]).toBe(18);
    expect(outcome.results["mean"]).toBe(31 / 8);
  });

  it("pin a task and keep its consumers beside it", async () => {
    const outcome = await executeLocal(EXAMPLE_BUILDERS["pinning"]!(), { functions: everyFunction });
    expect(outcome.status).toBe("succeeded");
    expect(outcome.results["size"]).toBe(1_048_576);
    expect(outcome.results["checksum"]).toMatch(/^[0-9a-f]{8}$/);
  });
});
