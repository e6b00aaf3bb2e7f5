import { createHash, randomFillSync } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fetchResult } from "./fetch-result.ts";
import { BATCH_SLAB_MAX_BYTES } from "./fetch-batch.ts";
import { signGrant, type FetchProofSubject, type Grant } from "@handoff/protocol/grant";
import { FETCH_PROOF_HEADER, generateMachineKey, loadMachineKey, signFetchProof } from "@handoff/protocol/machine-identity";
import { createResultFetcher } from "./result-fetcher.ts";
import { startResultServer, type ResultServer } from "./result-server.ts";
import { createResultStore, type ResultStore } from "./result-store.ts";

const secret = "result-server-test-secret-0123456789";
/** machine-b's identity: the audience of the grants below, proving itself on each request. */
const consumer = loadMachineKey(generateMachineKey().privateKeyPem);
const prove = (subject: FetchProofSubject): string => signFetchProof(consumer.privateKey, subject, clock);
const mib = 1024 * 1024;

let dir: string;
let clock: number;
let holderStore: ResultStore;
let server: ResultServer;
let resultRequests: number;

function newStore(name: string, overrides: { memoryBudgetBytes?: number } = {}): ResultStore {
  return createResultStore({
    dir: join(dir, name),
    memoryBudgetBytes: overrides.memoryBudgetBytes ?? 8 * mib,
    diskBudgetBytes: 1024 * mib,
    retentionMs: 60_000,
    now: () => clock,
  });
}

function grantFor(runId: string, taskId: string, overrides: Partial<Grant> = {}): string {
  return signGrant(secret, {
    runId,
    taskId,
    holder: "machine-a",
    audience: "machine-b",
    audienceKey: consumer.publicKey,
    expiresAt: clock + 30_000,
    ...overrides,
  });
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "handoff-result-server-"));
  clock = 1_000_000;
  resultRequests = 0;
  holderStore = newStore("holder");
  server = await startResultServer({
    store: holderStore,
    secret,
    machine: "machine-a",
    now: () => clock,
    onRequest: ({ path }) => {
      if (path.startsWith("/results/")) resultRequests += 1;
    },
  });
});

afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe("when another agent fetches a result with a valid grant", () => {
  it("receives an equal JSON value", async () => {
    const value = { rows: [{ id: 1, label: "α" }], total: 1 };
    await holderStore.put("run-1", "load", value);

    const outcome = await fetchResult({ prove, url: server.url, runId: "run-1", taskId: "load", grant: grantFor("run-1", "load") });

    expect(outcome).toEqual({ ok: true, value, size: Buffer.byteLength(JSON.stringify(value)) });
  });

  it("finds results whose ids contain slashes, spaces and non-ASCII", async () => {
    await holderStore.put("run 1/ä", "task/with spaces?#", [1, 2, 3]);
    const outcome = await fetchResult({
      prove,
      url: server.url,
      runId: "run 1/ä",
      taskId: "task/with spaces?#",
      grant: grantFor("run 1/ä", "task/with spaces?#"),
    });
    expect(outcome).toEqual({ ok: true, value: [1, 2, 3], size: 7 });
  });

  it("answers with the encoded bytes and their content type and length", async () => {
    await holderStore.put("run-1", "bytes", Uint8Array.from([1, 2, 3, 4]));
    const response = await fetch(`${server.url}/results/run-1/bytes`, {
      headers: { Authorization: `Bearer ${grantFor("run-1", "bytes")}`, [FETCH_PROOF_HEADER]: prove({ grants: [grantFor("run-1", "bytes")] }) },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
    expect(response.headers.get("x-handoff-content-type")).toBe("application/octet-stream");
    expect(response.headers.get("content-length")).toBe("4");
    expect(Array.from(new Uint8Array(await response.arrayBuffer()))).toEqual([1, 2, 3, 4]);
  });

  it("caches the value in the fetching machine's store when given one", async () => {
    await holderStore.put("run-1", "load", { a: 1 });
    const localStore = newStore("local");
    const outcome = await fetchResult({
      prove,
      url: server.url,
      runId: "run-1",
      taskId: "load",
      grant: grantFor("run-1", "load"),
      store: localStore,
    });
    expect(outcome).toEqual({ ok: true, value: { a: 1 }, size: 7 });
    expect(await localStore.get("run-1", "load")).toEqual({ a: 1 });
  });

  it(
    "moves a 64 MiB Uint8Array intact through disk on both sides without holding many copies in memory",
    async () => {
      const size = 64 * mib;
      const original = randomFillSync(new Uint8Array(size));
      const originalHash = createHash("sha256").update(original).digest("hex");
      await holderStore.put("run-big", "blob", original);
      expect(holderStore.meta("run-big", "blob")?.location).toBe("disk");
      const localStore = newStore("local");
      const fetcher = createResultFetcher({ store: localStore, prove });

      const baselineRss = process.memoryUsage().rss;
      let peakRss = baselineRss;
      const sampler = setInterval(() => {
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
      }, 2);
      const outcome = await fetcher.fetch({
        url: server.url,
        runId: "run-big",
        taskId: "blob",
        grant: grantFor("run-big", "blob"),
      });
      clearInterval(sampler);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);

      expect(outcome.ok).toBe(true);
      const received = outcome.ok ? (outcome.value as Uint8Array) : new Uint8Array();
      expect(received.byteLength).toBe(size);
      expect(createHash("sha256").update(received).digest("hex")).toBe(originalHash);
      expect(localStore.meta("run-big", "blob")?.location).toBe("disk");
      expect(localStore.stats().memoryBytes).toBe(0);
      // The returned value itself is one 64 MiB copy; streaming adds only buffers on top of it.
      const growthMib = (peakRss - baselineRss) / mib;
      console.info(`64 MiB transfer: peak RSS growth ${growthMib.toFixed(1)} MiB`);
      expect(growthMib).toBeLessThan(128);
    },
    60_000,
  );
});

describe("when a fetch is not allowed", () => {
  it("answers 401 without a grant", async () => {
    await holderStore.put("run-1", "t", 1);
    const response = await fetch(`${server.url}/results/run-1/t`);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe("Bearer");
    expect(await response.json()).toEqual({ error: { kind: "unauthorized", message: expect.any(String) as string } });
  });

  it("answers 403 to an expired grant", async () => {
    await holderStore.put("run-1", "t", 1);
    const grant = grantFor("run-1", "t", { expiresAt: clock });
    const outcome = await fetchResult({ prove, url: server.url, runId: "run-1", taskId: "t", grant });
    expect(outcome).toMatchObject({ ok: false, error: { kind: "forbidden", details: { reason: "expired" } } });
  });

  it("answers 403 to a grant for another holder", async () => {
    await holderStore.put("run-1", "t", 1);
    const grant = grantFor("run-1", "t", { holder: "machine-c" });
    const outcome = await fetchResult({ prove, url: server.url, runId: "run-1", taskId: "t", grant });
    expect(outcome).toMatchObject({ ok: false, error: { kind: "forbidden", details: { reason: "wrong_holder" } } });
  });

  it("answers 403 to a tampered grant", async () => {
    await holderStore.put("run-1", "secret", 1);
    const [, signature] = grantFor("run-1", "public").split(".");
    const forgedPayload = Buffer.from(
      JSON.stringify({ runId: "run-1", taskId: "secret", holder: "machine-a", audience: "x", expiresAt: clock + 1 }),
    ).toString("base64url");
    const outcome = await fetchResult({
      prove,
      url: server.url,
      runId: "run-1",
      taskId: "secret",
      grant: `${forgedPayload}.${signature}`,
    });
    expect(outcome).toMatchObject({ ok: false, error: { kind: "forbidden", details: { reason: "bad_signature" } } });
  });

  it("answers 403 to a valid grant for a different result", async () => {
    await holderStore.put("run-1", "secret", 1);
    const outcome = await fetchResult({
      prove,
      url: server.url,
      runId: "run-1",
      taskId: "secret",
      grant: grantFor("run-1", "public"),
    });
    expect(outcome).toMatchObject({ ok: false, error: { kind: "forbidden", details: { reason: "wrong_result" } } });
  });
});

describe("when the result is not on the holder", () => {
  it("answers 404 not_found for a result it never had", async () => {
    const outcome = await fetchResult({ prove, url: server.url, runId: "run-1", taskId: "t", grant: grantFor("run-1", "t") });
    expect(outcome).toMatchObject({ ok: false, error: { kind: "not_found" } });
  });

  it("answers 404 evicted for a result it evicted", async () => {
    await holderStore.put("run-1", "t", 1);
    clock += 60_000;
    expect(await holderStore.evictExpired()).toBe(1);
    const outcome = await fetchResult({ prove, url: server.url, runId: "run-1", taskId: "t", grant: grantFor("run-1", "t") });
    expect(outcome).toMatchObject({ ok: false, error: { kind: "evicted", details: { reason: "retention" } } });
  });
});

describe("when the health of the result server is checked", () => {
  it("answers 200 without a grant", async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, machine: "machine-a" });
  });
});

describe("when one machine needs the same remote result several times", () => {
  it("downloads it once for concurrent fetches and not again afterwards", async () => {
    await holderStore.put("run-1", "shared", Uint8Array.from({ length: 200_000 }, (_, i) => i % 256));
    const fetcher = createResultFetcher({ store: newStore("local"), prove });
    const request = { url: server.url, runId: "run-1", taskId: "shared", grant: grantFor("run-1", "shared") };

    const [first, second] = await Promise.all([fetcher.fetch(request), fetcher.fetch(request)]);
    expect(resultRequests).toBe(1);
    const bytes = (outcome: typeof first): Buffer => {
      if (!outcome.ok) throw new Error(`fetch failed: ${JSON.stringify(outcome.error)}`);
      return Buffer.from(outcome.value as Uint8Array);
    };
    expect(bytes(first).byteLength).toBe(200_000);
    // Deep-equality on 200k-element arrays is slow on a loaded machine; compare bytes directly.
    expect(bytes(first).equals(bytes(second))).toBe(true);

    const third = await fetcher.fetch(request);
    expect(resultRequests).toBe(1);
    expect(bytes(third).equals(bytes(first))).toBe(true);
  });

  it("downloads again after a refused fetch", async () => {
    const fetcher = createResultFetcher({ store: newStore("local"), prove });
    const request = { url: server.url, runId: "run-1", taskId: "late", grant: grantFor("run-1", "late") };
    expect(await fetcher.fetch(request)).toMatchObject({ ok: false, error: { kind: "not_found" } });
    await holderStore.put("run-1", "late", "here now");
    expect(await fetcher.fetch(request)).toEqual({ ok: true, value: "here now", size: 10 });
    expect(resultRequests).toBe(2);
  });
});

describe("when a grant carries the edge's encode step", () => {
  it("serves the encoded value, computed on the holder with (holder, audience, ...args)", async () => {
    await holderStore.put("run-e", "source", { width: 640 });
    const calls: unknown[] = [];
    const encoding = await startResultServer({
      store: holderStore,
      secret: () => secret,
      machine: () => "machine-a",
      now: () => clock,
      encode: async ({ encode, value, holder, audience }) => {
        calls.push({ encode, holder, audience });
        return { ok: true, value: { encoded: value, by: holder, for: audience, args: encode.args } };
      },
    });
    try {
      const grant = grantFor("run-e", "source", { encode: { fn: "demo.shrink", args: [2] } });
      const outcome = await fetchResult({ prove, url: encoding.url, runId: "run-e", taskId: "source", grant });
      expect(outcome).toMatchObject({ ok: true, value: { encoded: { width: 640 }, by: "machine-a", for: "machine-b", args: [2] } });
      expect(calls).toEqual([{ encode: { fn: "demo.shrink", args: [2] }, holder: "machine-a", audience: "machine-b" }]);
    } finally {
      await encoding.close();
    }
  });

  it("answers encode_failed with the transform's message when it fails, and when the holder cannot run transforms", async () => {
    await holderStore.put("run-e", "source", 1);
    const failing = await startResultServer({ store: holderStore, secret, machine: "machine-a", now: () => clock, encode: async () => ({ ok: false, message: "boom" }) });
    try {
      const grant = grantFor("run-e", "source", { encode: { fn: "demo.shrink" } });
      expect(await fetchResult({ prove, url: failing.url, runId: "run-e", taskId: "source", grant })).toEqual({
        ok: false,
        error: { kind: "encode_failed", message: "demo.shrink failed on machine-a: boom" },
      });
      expect(await fetchResult({ prove, url: server.url, runId: "run-e", taskId: "source", grant })).toEqual({
        ok: false,
        error: { kind: "encode_failed", message: "machine machine-a cannot run edge transforms" },
      });
    } finally {
      await failing.close();
    }
  });

  it("answers 401 while the holder has no secret yet", async () => {
    const early = await startResultServer({ store: holderStore, secret: () => undefined, machine: "machine-a", now: () => clock });
    try {
      await holderStore.put("run-e", "source", 1);
      expect(await fetchResult({ prove, url: early.url, runId: "run-e", taskId: "source", grant: grantFor("run-e", "source") })).toMatchObject({ ok: false, error: { kind: "unauthorized" } });
    } finally {
      await early.close();
    }
  });
});

describe("when someone other than the grant's audience presents it", () => {
  it("refuses a grant replayed without the audience's proof, with another key's proof, or with a stale proof", async () => {
    await holderStore.put("run-1", "secret", { pin: 1234 });
    const grant = grantFor("run-1", "secret");
    const replayed = await fetch(`${server.url}/results/run-1/secret`, { headers: { Authorization: `Bearer ${grant}` } });
    expect(replayed.status).toBe(403);
    expect(await replayed.json()).toEqual({ error: { kind: "forbidden", message: "the grant is refused (wrong_audience): no x-handoff-proof header", details: { reason: "wrong_audience" } } });
    const impostor = loadMachineKey(generateMachineKey().privateKeyPem);
    const forged = signFetchProof(impostor.privateKey, { grants: [grant] }, clock);
    expect(await fetchResult({ url: server.url, runId: "run-1", taskId: "secret", grant, prove: () => forged })).toMatchObject({ ok: false, error: { kind: "forbidden", details: { reason: "wrong_audience" } } });
    const stale = signFetchProof(consumer.privateKey, { grants: [grant] }, clock - 120_000);
    expect(await fetchResult({ url: server.url, runId: "run-1", taskId: "secret", grant, prove: () => stale })).toMatchObject({ ok: false, error: { kind: "forbidden", details: { reason: "wrong_audience" } } });
    const batch = await fetch(`${server.url}/results/batch`, { method: "POST", body: JSON.stringify({ grants: [grant] }) });
    expect(batch.status).toBe(200);
    expect((await batch.text()).includes("wrong_audience")).toBe(true);
    expect(await fetchResult({ prove, url: server.url, runId: "run-1", taskId: "secret", grant })).toEqual({ ok: true, value: { pin: 1234 }, size: 12 });
  });
});

describe("when a consumer fetches many inputs from one holder at once", () => {
  it("gets small values in one batch request, in order, with refusals per value and large values fetched alone", async () => {
    for (let index = 0; index < 300; index++) await holderStore.put("run-fan", `t${index}`, { index });
    await holderStore.put("run-fan", "blob", new Uint8Array(300 * 1024).fill(9));
    const fetcher = createResultFetcher({ store: newStore("consumer"), prove });
    const ask = (taskId: string, grant = grantFor("run-fan", taskId)) => fetcher.fetch({ url: server.url, runId: "run-fan", taskId, grant });

    const outcomes = await Promise.all([
      ...Array.from({ length: 300 }, (_, index) => ask(`t${index}`)),
      ask("missing"),
      ask("t0-forged", grantFor("run-fan", "t0-forged", { holder: "machine-z" })),
      ask("blob"),
    ]);

    expect(outcomes.slice(0, 300).map((outcome) => (outcome.ok ? outcome.value : outcome.error))).toEqual(Array.from({ length: 300 }, (_, index) => ({ index })));
    expect(outcomes[300]).toMatchObject({ ok: false, error: { kind: "not_found" } });
    expect(outcomes[301]).toMatchObject({ ok: false, error: { kind: "forbidden", details: { reason: "wrong_holder" } } });
    expect(outcomes[302]?.ok && (outcomes[302].value as Uint8Array).byteLength).toBe(300 * 1024);
    // One batch for the 302 small ones (and the refused), one request for the value over the batch item limit.
    expect(resultRequests).toBe(2);
  });

  it("gets the values one shared grant names in batches (the grant checked once), refusing names it lacks and a proof replayed for others", async () => {
    const names = Array.from({ length: 1200 }, (_, index) => `s${index}`);
    for (const name of [...names, "unnamed"]) await holderStore.put("run-shared", name, { name });
    await holderStore.put("run-shared", "big", new Uint8Array(300 * 1024).fill(3));
    const shared = grantFor("run-shared", names[0]!, { taskIds: [...names, "big"] });
    const fetcher = createResultFetcher({ store: newStore("consumer"), prove });
    const ask = (taskId: string) => fetcher.fetch({ url: server.url, runId: "run-shared", taskId, grant: shared, isSharedGrant: true });

    const outcomes = await Promise.all([...names.map(ask), ask("unnamed"), ask("big")]);

    expect(outcomes.slice(0, 1200).map((outcome) => (outcome.ok ? outcome.value : outcome.error))).toEqual(names.map((name) => ({ name })));
    expect(outcomes[1200]).toMatchObject({ ok: false, error: { kind: "forbidden", details: { reason: "wrong_result" } } });
    expect(outcomes[1201]?.ok && (outcomes[1201].value as Uint8Array).byteLength).toBe(300 * 1024); // over the item limit: alone
    // 1,201 names in batches of 500 (3 requests), and the large value alone.
    expect(resultRequests).toBe(4);

    // A proof made for some names does not let a replay ask for others under the same grant.
    const body = (taskIds: string[]) => JSON.stringify({ grants: [shared], taskIds });
    const proof = prove({ grants: [shared], names: ["s1"] });
    const replayed = await fetch(`${server.url}/results/batch`, { method: "POST", headers: { [FETCH_PROOF_HEADER]: proof }, body: body(["s2"]) });
    expect(await replayed.text()).toContain("wrong_audience");
    const honest = await fetch(`${server.url}/results/batch`, { method: "POST", headers: { [FETCH_PROOF_HEADER]: proof }, body: body(["s1"]) });
    expect(await honest.text()).toContain('"ok":true');
  });

  it("hands a batch's small binary values on intact as views of one shared buffer, and copies values out of a large answer", async () => {
    const digest = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");
    const small = Array.from({ length: 600 }, (_, index) => randomFillSync(new Uint8Array(index === 0 ? 0 : 1024 + (index % 3) - 1)));
    // Enough 200 KiB values to make their batch's answer larger than a slab.
    const large = Array.from({ length: Math.ceil(BATCH_SLAB_MAX_BYTES / (200 * 1024)) + 1 }, () => randomFillSync(new Uint8Array(200 * 1024)));
    const names = [...small.map((_, index) => `b${index}`), ...large.map((_, index) => `L${index}`)];
    const values = [...small, ...large];
    for (const [index, name] of names.entries()) await holderStore.put("run-slab", name, values[index]);
    const consumerStore = newStore("consumer");
    const fetcher = createResultFetcher({ store: consumerStore, prove });
    const shared = grantFor("run-slab", names[0]!, { taskIds: names });

    const outcomes = await Promise.all(names.map((taskId) => fetcher.fetch({ url: server.url, runId: "run-slab", taskId, grant: shared, isSharedGrant: true })));

    const got = outcomes.map((outcome) => (outcome.ok ? (outcome.value as Uint8Array) : expect.fail(JSON.stringify(outcome.error))));
    expect(got.map(digest)).toEqual(values.map(digest));
    expect(names.map((name) => digest(consumerStore.bytesInMemory("run-slab", name)!))).toEqual(values.map(digest));
    expect(got.every((bytes) => bytes.buffer instanceof SharedArrayBuffer)).toBe(true); // a worker gets them without a copy
    // The first 500 small values came in one answer of ~500 KiB: one buffer holds them all, no copy per value.
    expect(new Set(got.slice(0, 500).map((bytes) => bytes.buffer)).size).toBe(1);
    // The 200 KiB values came in an answer over a slab: each is a copy of its own, so one kept does not keep the batch.
    expect(got.slice(600).every((bytes) => bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength)).toBe(true);
  });

  it("answers a malformed batch with 400 and changes nothing", async () => {
    const response = await fetch(`${server.url}/results/batch`, { method: "POST", body: JSON.stringify({ grants: [1, 2] }) });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { kind: "invalid_request", message: expect.stringContaining("grants must be an array") as string } });
  });
});
