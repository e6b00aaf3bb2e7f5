import { describe, expect, it } from "vitest";
import { admitMachine } from "./admit-machine.ts";

describe("when a hello claims a machine name", () => {
  it("admits the bound identity with or without a join token", () => {
    expect(admitMachine({ name: "m", boundKey: "k", presentedKey: "k", hasJoinToken: false })).toEqual({ ok: true, isNewIdentity: false });
    expect(admitMachine({ name: "m", boundKey: "k", presentedKey: "k", hasJoinToken: true })).toEqual({ ok: true, isNewIdentity: false });
  });

  it("refuses another identity with forbidden naming the machine, even with a join token", () => {
    const answer = admitMachine({ name: "gpu-1", boundKey: "k", presentedKey: "other", hasJoinToken: true });
    expect(answer).toMatchObject({ ok: false, kind: "forbidden" });
    if (!answer.ok) expect(answer.message).toContain('machine "gpu-1"');
  });

  it("binds a free name only with a join token", () => {
    expect(admitMachine({ name: "m", boundKey: null, presentedKey: "k", hasJoinToken: true })).toEqual({ ok: true, isNewIdentity: true });
    expect(admitMachine({ name: "m", boundKey: null, presentedKey: "k", hasJoinToken: false })).toMatchObject({ ok: false, kind: "unauthorized" });
  });
});
