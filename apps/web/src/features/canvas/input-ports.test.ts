import { describe, expect, it } from "vitest";
import { inputPorts } from "./input-ports.ts";

describe("inputPorts", () => {
  it("shows one port per argument in order, plus a free port while editing", () => {
    expect(inputPorts({ args: ["a", "b"] }, { kind: "variadic" }, true).map((p) => p.id)).toEqual(["in-0", "in-1", "in-new"]);
    expect(inputPorts({ args: ["a", "b"] }, undefined, false).map((p) => p.label)).toEqual(["0", "1"]);
  });
  it("gives an as_list task one collecting port", () => {
    expect(inputPorts({ args: ["a", "b", "c"], argumentInclusion: "as_list" }, undefined, true)).toEqual([{ id: "in-list", label: "list", isNew: false }]);
  });
  it("names the ports of a function with named inputs", () => {
    expect(inputPorts({ args: ["a"] }, { kind: "named", names: ["left", "right"] }, true).map((p) => [p.id, p.label])).toEqual([
      ["in-0", "left"],
      ["in-1", "right"],
    ]);
  });
});
