import { verifyGrant } from "@handoff/protocol/grant";
import { describe, expect, it } from "vitest";
import { FakeClock } from "./fake-clock.ts";
import { newMachine } from "./live-machine.ts";
import { DEFAULT_GRANT_TTL_MS, wireInput, type GrantContext } from "./wire-input.ts";

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
    if (wire.kind !== "result" || !wire.fetch) return expect.fail(`expected a fetch, got ${JSON.stringify(wire)}`);
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

  it("carries an inline task with its own inputs wired the same way", () => {
    const wire = wireInput(context(), "r", { kind: "inline", taskId: "len", fn: "std.length", inputs: [{ kind: "result", taskId: "a", machine: "holder" }], extraArgs: [1], argumentInclusion: "variadic" }, "target");
    expect(wire).toMatchObject({ kind: "inline", taskId: "len", fn: "std.length", extraArgs: [1], argumentInclusion: "variadic", inputs: [{ kind: "result", machine: "holder", fetch: { url: "http://10.0.0.1:7411" } }] });
  });

  it("names the run a reused value is kept under, and signs the grant for that run", () => {
    const ctx = context();
    const heldUnder = (taskId: string) => (taskId === "a" ? "old" : undefined);
    const wire = wireInput(ctx, "new", { kind: "inline", taskId: "len", fn: "std.length", inputs: [{ kind: "result", taskId: "a", machine: "holder" }], extraArgs: [], argumentInclusion: "variadic" }, "target", heldUnder);
    const input = wire.kind === "inline" ? wire.inputs[0] : undefined;
    if (input?.kind !== "result" || !input.fetch) return expect.fail(`expected a fetch, got ${JSON.stringify(wire)}`);
    expect(input.runId).toBe("old");
    expect(verifyGrant(ctx.machines.get("holder")!.grantSecret, input.fetch.grant, { now: 1_000_000, holder: "holder" })).toMatchObject({ ok: true, grant: { runId: "old", taskId: "a" } });
    expect(wireInput(ctx, "new", { kind: "result", taskId: "a", machine: "target" }, "target", heldUnder)).toEqual({ kind: "result", taskId: "a", machine: "target", runId: "old" });
    expect(wireInput(ctx, "new", { kind: "result", taskId: "b", machine: "target" }, "target", heldUnder)).toEqual({ kind: "result", taskId: "b", machine: "target" });
  });
});
