import { verifyGrant } from "@handoff/protocol/grant";
import { describe, expect, it } from "vitest";
import { FakeClock } from "./fake-clock.ts";
import { newMachine } from "./live-machine.ts";
import { DEFAULT_GRANT_TTL_MS, SHARED_GRANT_MIN_INPUTS, wireInput, wireInputs, type GrantContext } from "./wire-input.ts";

function context(): GrantContext {
  const holder = newMachine("holder", { cpu: 1 }, "online");
  holder.resultUrl = "http://10.0.0.1:7411";
  const target = newMachine("target", { cpu: 1 }, "online");
  target.publicKey = "key-target";
  return { machines: new Map([["holder", holder], ["target", target]]), clock: new FakeClock(1_000_000), grantTtlMs: DEFAULT_GRANT_TTL_MS };
}

describe("when an assignment's inputs are put on the wire", () => {
  it("points a result on another machine at its holder's URL with a grant for the target, encode step inside", () => {
    const ctx = context();
    const wire = wireInput(ctx, "r", { kind: "result", taskId: "a", machine: "holder", encode: { fn: "std.pick", args: ["k"] }, decode: { fn: "std.identity_edge" } }, "target");
    if (wire.kind !== "result" || !wire.fetch || !("grant" in wire.fetch)) return expect.fail(`expected a fetch with its own grant, got ${JSON.stringify(wire)}`);
    expect(wire).toMatchObject({ taskId: "a", machine: "holder", decode: { fn: "std.identity_edge", args: [] }, fetch: { url: "http://10.0.0.1:7411" } });
    expect(wire).not.toHaveProperty("encode"); // runs on the holder, named in the grant
    const verified = verifyGrant(ctx.machines.get("holder")!.grantSecret, wire.fetch.grant, { now: 1_000_000, holder: "holder" });
    expect(verified).toMatchObject({ ok: true, grant: { runId: "r", taskId: "a", audience: "target", audienceKey: "key-target", expiresAt: 1_000_000 + DEFAULT_GRANT_TTL_MS, encode: { fn: "std.pick", args: ["k"] } } });
  });

  it("leaves a result on the target itself (or on a holder without a URL) to the agent's own store", () => {
    const ctx = context();
    expect(wireInput(ctx, "r", { kind: "result", taskId: "a", machine: "target", encode: { fn: "std.pick" } }, "target")).toEqual({ kind: "result", taskId: "a", machine: "target", encode: { fn: "std.pick", args: [] } });
    ctx.machines.get("holder")!.resultUrl = null;
    expect(wireInput(ctx, "r", { kind: "result", taskId: "a", machine: "holder" }, "target")).toEqual({ kind: "result", taskId: "a", machine: "holder" });
  });

  it("carries a pre-assigned input's producer attempt (after) to the target that makes it, with no fetch", () => {
    const ctx = context();
    expect(wireInput(ctx, "r", { kind: "result", taskId: "a", machine: "target", after: "r/a#1" }, "target")).toEqual({ kind: "result", taskId: "a", machine: "target", after: "r/a#1" });
  });

  it("carries an inline task with its own inputs wired the same way", () => {
    const wire = wireInput(context(), "r", { kind: "inline", taskId: "len", fn: "std.length", inputs: [{ kind: "result", taskId: "a", machine: "holder" }], extraArgs: [1], argumentInclusion: "variadic" }, "target");
    expect(wire).toMatchObject({ kind: "inline", taskId: "len", fn: "std.length", extraArgs: [1], argumentInclusion: "variadic", inputs: [{ kind: "result", machine: "holder", fetch: { url: "http://10.0.0.1:7411" } }] });
  });

  it("names the run a reused value is kept under, and signs the grant for that run", () => {
    const ctx = context();
    const heldUnder = (taskId: string) => (taskId === "a" ? "old" : undefined);
    const wire = wireInput(ctx, "new", { kind: "inline", taskId: "len", fn: "std.length", inputs: [{ kind: "result", taskId: "a", machine: "holder" }], extraArgs: [], argumentInclusion: "variadic" }, "target", heldUnder);
    const input = wire.kind === "inline" ? wire.inputs[0] : undefined;
    if (input?.kind !== "result" || !input.fetch || !("grant" in input.fetch)) return expect.fail(`expected a fetch with its own grant, got ${JSON.stringify(wire)}`);
    expect(input.runId).toBe("old");
    expect(verifyGrant(ctx.machines.get("holder")!.grantSecret, input.fetch.grant, { now: 1_000_000, holder: "holder" })).toMatchObject({ ok: true, grant: { runId: "old", taskId: "a" } });
    expect(wireInput(ctx, "new", { kind: "result", taskId: "a", machine: "target" }, "target", heldUnder)).toEqual({ kind: "result", taskId: "a", machine: "target", runId: "old" });
    expect(wireInput(ctx, "new", { kind: "result", taskId: "b", machine: "target" }, "target", heldUnder)).toEqual({ kind: "result", taskId: "b", machine: "target" });
  });

  it("leaves reused values out of a fan-in's shared grant: each goes with a grant for the run that made it", () => {
    const ctx = context();
    const ids = Array.from({ length: 10 }, (_, index) => `k${index}`);
    const heldUnder = (taskId: string) => (taskId === "k0" ? "old" : undefined);
    const wired = wireInputs(ctx, "new", ids.map((taskId) => ({ kind: "result" as const, taskId, machine: "holder" })), "target", heldUnder);
    expect(wired.sharedGrants).toHaveLength(1);
    const [reused, ...rest] = wired.inputs;
    if (reused?.kind !== "result" || !reused.fetch || !("grant" in reused.fetch)) return expect.fail(`expected k0 with its own grant, got ${JSON.stringify(reused)}`);
    expect(reused.runId).toBe("old");
    expect(verifyGrant(ctx.machines.get("holder")!.grantSecret, reused.fetch.grant, { now: 1_000_000, holder: "holder" })).toMatchObject({ ok: true, grant: { runId: "old", taskId: "k0" } });
    expect(rest.every((input) => input.kind === "result" && input.fetch !== undefined && "shared" in input.fetch)).toBe(true);
  });
});

describe("when many of an assignment's inputs live on one other machine", () => {
  it("gives them one shared grant naming them all, and the rest their own", () => {
    const ctx = context();
    const many = Array.from({ length: SHARED_GRANT_MIN_INPUTS }, (_, index) => ({ kind: "result" as const, taskId: `k${index}`, machine: "holder" }));
    const wired = wireInputs(ctx, "r", [...many, { kind: "result", taskId: "enc", machine: "holder", encode: { fn: "std.pick" } }, { kind: "result", taskId: "here", machine: "target" }], "target");
    expect(wired.sharedGrants).toHaveLength(1);
    expect(wired.inputs.slice(0, many.length)).toEqual(many.map((input) => ({ ...input, fetch: { url: "http://10.0.0.1:7411", shared: 0 } })));
    // An input with an encode step has its own grant (the holder runs the step); a local one needs none.
    expect(wired.inputs[many.length]).toMatchObject({ taskId: "enc", fetch: { grant: expect.any(String) as string } });
    expect(wired.inputs[many.length + 1]).toEqual({ kind: "result", taskId: "here", machine: "target" });
    const verified = verifyGrant(ctx.machines.get("holder")!.grantSecret, wired.sharedGrants![0]!, { now: 1_000_000, holder: "holder" });
    expect(verified).toMatchObject({ ok: true, grant: { runId: "r", taskId: "k0", audience: "target", audienceKey: "key-target", taskIds: many.map((input) => input.taskId) } });
  });

  it("keeps one grant per input below the threshold", () => {
    const few = Array.from({ length: SHARED_GRANT_MIN_INPUTS - 1 }, (_, index) => ({ kind: "result" as const, taskId: `k${index}`, machine: "holder" }));
    const wired = wireInputs(context(), "r", few, "target");
    expect(wired.sharedGrants).toBeUndefined();
    expect(wired.inputs.every((input) => input.kind === "result" && input.fetch !== undefined && "grant" in input.fetch)).toBe(true);
  });
});
