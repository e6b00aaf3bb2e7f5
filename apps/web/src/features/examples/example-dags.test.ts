import { describe, expect, it } from "vitest";
import { EXAMPLE_DAGS, forCluster } from "./example-dags.ts";

const pinning = EXAMPLE_DAGS.find((file) => file.name === "pinning")!;

describe("the examples in Open…", () => {
  it("are the word count and the examples of fan-out/fan-in, edge transforms and pinning", () => {
    expect(EXAMPLE_DAGS.map((file) => file.name)).toEqual(["word-count", "fan-out-fan-in", "edge-transforms", "pinning"]);
    expect(EXAMPLE_DAGS.every((file) => (file.description ?? "").length > 0)).toBe(true);
  });

  it("pin to the cluster's local machine, or keep their pin when a machine is called local", () => {
    const local = forCluster(pinning, [{ name: "alpha", local: false, status: "online" }, { name: "laptop", local: true, status: "online" }]);
    expect(local.tasks.find((task) => task.id === "data")?.placement).toEqual({ kind: "pinned", machine: "laptop" });
    expect(local.tasks.find((task) => task.id === "size")?.placement).toEqual({ kind: "collocated", with: "data" });
    expect(forCluster(pinning, [{ name: "local", local: false, status: "online" }])).toBe(pinning);
    expect(forCluster(pinning, [{ name: "beta", local: false, status: "online" }]).tasks[0]?.placement).toEqual({ kind: "pinned", machine: "beta" });
  });
});
