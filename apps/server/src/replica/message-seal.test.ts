import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createOpener, createSealer, deriveReplicaKeys, MAX_AGE_MS, MAX_SKEW_MS } from "./message-seal.ts";
import { recordingLogger } from "./redis.test-support.ts";

const secret = randomBytes(32);
const keys = deriveReplicaKeys(secret);
const payload = Buffer.from('{"event":"agent:task-finished"}');

describe("a message sealed for the replicas' Redis", () => {
  it("opens once on its own channel, under the same key, and shows nothing of its payload", () => {
    const sealed = createSealer(keys).seal("a", payload);
    expect(sealed.includes(payload)).toBe(false);
    expect(sealed.includes(Buffer.from("agent:"))).toBe(false);
    const opener = createOpener(keys, recordingLogger(), "test");
    expect(createOpener(keys, recordingLogger(), "test").open("b", sealed)).toBeUndefined(); // moved to another channel
    expect(createOpener(deriveReplicaKeys(randomBytes(32)), recordingLogger(), "test").open("a", sealed)).toBeUndefined();
    expect(opener.open("a", sealed)).toEqual(payload);
    expect(opener.open("a", sealed)).toBeUndefined(); // replayed
    expect(opener.refused).toEqual({ "was a replay": 1 });
  });

  it("is refused when any byte is altered, truncated, or of another version", () => {
    const sealed = createSealer(keys).seal("a", payload);
    for (let index = 0; index < sealed.length; index++) {
      const altered = Buffer.from(sealed);
      altered[index] = (altered[index] as number) ^ 0x01;
      expect(createOpener(keys, recordingLogger(), "test").open("a", altered)).toBeUndefined();
    }
    expect(createOpener(keys, recordingLogger(), "test").open("a", sealed.subarray(0, sealed.length - 1))).toBeUndefined();
    expect(createOpener(keys, recordingLogger(), "test").open("a", Buffer.alloc(0))).toBeUndefined();
  });

  it("is refused when sealed before the opener started or outside the window, and taken a little out of order", () => {
    let now = 1_000_000_000_000;
    const clock = () => now;
    const sealer = createSealer(keys, clock);
    const early = sealer.seal("a", payload);
    now += MAX_SKEW_MS + 1;
    const opener = createOpener(keys, recordingLogger(), "test", clock);
    expect(opener.open("a", early)).toBeUndefined(); // sealed before this opener could have been subscribed
    const [first, second] = [sealer.seal("a", payload), sealer.seal("a", payload)];
    expect(opener.open("a", second)).toEqual(payload);
    expect(opener.open("a", first)).toEqual(payload); // one step out of order (a re-send after a reconnect)
    const late = sealer.seal("a", payload);
    now += MAX_AGE_MS + 1;
    expect(opener.open("a", late)).toBeUndefined();
    const ahead = createSealer(keys, () => now + MAX_SKEW_MS + 1).seal("a", payload);
    expect(opener.open("a", ahead)).toBeUndefined();
    expect(opener.refused).toEqual({ "was sealed outside the time window": 3 });
  });

  it("opens under a rotation's previous key, and logs what it drops at most every 10 s", () => {
    const log = recordingLogger();
    const next = deriveReplicaKeys(randomBytes(32), [secret]);
    const opener = createOpener(next, log, "test");
    expect(opener.open("a", createSealer(keys).seal("a", payload))).toEqual(payload);
    for (let index = 0; index < 100; index++) opener.open("a", Buffer.from(`forged ${index}`));
    expect(log.lines).toEqual([expect.stringMatching(/^warn: redis: a message on a did not open .*dropped, not acted on \(every replica needs the same HANDOFF_SECRETS_KEY\)$/)]);
  });

  it("keeps every replica talking through a rolling rotation: new key accepted everywhere first, then sealing with it", () => {
    const [before, after] = [randomBytes(32), randomBytes(32)];
    // Each replica restarts once per step; at every moment of the procedure in SECURITY.md, every pair must understand each other.
    const states: [Buffer, Buffer[]][][] = [
      [[before, []], [before, []]],
      [[before, [after]], [before, []]], // step 1, first replica restarted: it accepts the new key, still seals with the old
      [[before, [after]], [before, [after]]],
      [[after, [before]], [before, [after]]], // step 2, first replica restarted: it seals with the new key
      [[after, [before]], [after, [before]]],
      [[after, []], [after, [before]]], // the old key dropped
      [[after, []], [after, []]],
    ];
    for (const [index, state] of states.entries()) {
      const replicas = state.map(([current, previous]) => deriveReplicaKeys(current, previous));
      for (const from of replicas) {
        for (const to of replicas) {
          const opened = createOpener(to, recordingLogger(), "test").open("a", createSealer(from).seal("a", payload));
          expect(opened, `state ${index}`).toEqual(payload);
        }
      }
    }
  });
});
