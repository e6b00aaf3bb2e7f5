import { leaderLeaseRepository, type LeaderLeaseRepository } from "@handoff/db";
import { describePostgres } from "@handoff/db/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createLogger } from "../log.ts";
import { LeaderElection } from "./leader-election.ts";

type Events = { elected: number[]; deposed: string[] };

function campaign(lease: LeaderLeaseRepository, holder: string, events: Events, ttlMs = 60_000): LeaderElection {
  const election = new LeaderElection({
    lease,
    holder,
    holderUrl: () => `http://${holder}`,
    ttlMs,
    renewMs: 50,
    log: createLogger("silent"),
    onElected: (epoch) => events.elected.push(epoch),
    onDeposed: (reason) => events.deposed.push(reason),
  });
  election.start();
  return election;
}

describePostgres("when replicas campaign for the leader lease", (database) => {
  let lease: LeaderLeaseRepository;

  beforeAll(() => {
    lease = leaderLeaseRepository(database().url);
  });

  afterAll(async () => {
    await lease?.close();
  });

  it("elects one, names it to the other, deposes it at once when the lease is taken from it, and hands over on a clean stop", async () => {
    const a: Events = { elected: [], deposed: [] };
    const b: Events = { elected: [], deposed: [] };
    // "a" may take the lease once: afterwards its campaign could win the gap between the release and the theft below,
    // or the later hand-over to "b", as "b" could (below).
    let aMayTake = true;
    const gatedA: LeaderLeaseRepository = { ...lease, acquire: (...args) => (aMayTake ? lease.acquire(...args) : Promise.resolve(undefined)) };
    const first = campaign(gatedA, "a", a);
    await expect.poll(() => first.epoch).toBe(1);
    aMayTake = false;
    // "b" campaigns every 50 ms: it is kept from taking the lease until the thief has it, or it could win the gap
    // between the release and the theft below (it did once under CI's load).
    let bMayTake = false;
    const gated: LeaderLeaseRepository = { ...lease, acquire: (...args) => (bMayTake ? lease.acquire(...args) : Promise.resolve(undefined)) };
    const second = campaign(gated, "b", b);
    await expect.poll(() => second.leaderUrl).toBe("http://a");
    expect([first.leaderUrl, second.epoch, b.elected]).toEqual(["http://a", undefined, []]);

    // Someone else takes the lease (as after an expiry): the next renewal finds it gone and "a" stops at once.
    await lease.release("a", 1);
    const thief = await lease.acquire("thief", "http://thief", 60_000);
    expect(thief?.epoch).toBe(2);
    await expect.poll(() => a.deposed.length).toBe(1);
    expect(a.deposed[0]).toBe("the lease (epoch 1) was no longer ours at renewal");
    expect(first.epoch).toBeUndefined();

    // The thief gives it up cleanly: "b" takes it under the next epoch.
    bMayTake = true;
    await lease.release("thief", 2);
    await expect.poll(() => b.elected).toEqual([3]);
    await second.stop(); // released: the lease is free at once
    expect((await lease.current())?.remainingMs).toBeLessThanOrEqual(0);
    await first.stop();
  });

  it("deposes a leader whose renewal never comes back, by its own deadline (not by the next answer)", async () => {
    const c: Events = { elected: [], deposed: [] };
    const broken: LeaderLeaseRepository = { ...lease, renew: () => new Promise(() => undefined) }; // the database stops answering renewals
    await lease.release((await lease.current())!.holder, (await lease.current())!.epoch);
    const election = campaign(broken, "c", c, 600);
    await expect.poll(() => c.elected.length).toBe(1);
    await expect.poll(() => c.deposed, { timeout: 5_000 }).toEqual([`the lease (epoch ${c.elected[0]}) was not renewed before its end`]);
    expect(election.epoch).toBeUndefined();
    await election.stop();
  });
});
