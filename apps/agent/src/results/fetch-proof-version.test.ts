import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { signGrant, type FetchProofSubject, type Grant } from "@handoff/protocol/grant";
import { FETCH_PROOF_HEADER, generateMachineKey, loadMachineKey, signFetchProof, type FetchProofVersion } from "@handoff/protocol/machine-identity";
import { fetchResult } from "./fetch-result.ts";
import { createResultFetcher } from "./result-fetcher.ts";
import { startResultServer, type ResultServer } from "./result-server.ts";
import { createResultStore, type ResultStore } from "./result-store.ts";

// A consumer and a holder agreeing on the fetch proof's version: the grant (signed by the server, which heard the
// holder's hello) says whether the holder accepts version 2; the consumer signs that one; the holder verifies any it accepts.
const secret = "fetch-proof-version-test-secret-0123";
const consumer = loadMachineKey(generateMachineKey().privateKeyPem);
const clock = 5_000_000;
/** The consumer's prover, as the agent's: the version the grant says. Every header sent is kept. */
let sent: string[];
const prove = (subject: FetchProofSubject): string => {
  const header = signFetchProof(consumer.privateKey, subject, clock);
  sent.push(header);
  return header;
};

let dir: string;
let holderStore: ResultStore;
let holder: ResultServer | undefined;

const newStore = (name: string): ResultStore => createResultStore({ dir: join(dir, name), memoryBudgetBytes: 64 * 2 ** 20, diskBudgetBytes: 2 ** 30, retentionMs: 60_000, now: () => clock });
const startHolder = async (proofVersions?: readonly FetchProofVersion[]): Promise<ResultServer> =>
  (holder = await startResultServer({ store: holderStore, secret, machine: "machine-a", now: () => clock, ...(proofVersions === undefined ? {} : { proofVersions }) }));
const grantFor = (taskId: string, overrides: Partial<Grant> = {}): string =>
  signGrant(secret, { runId: "run", taskId, holder: "machine-a", audience: "machine-b", audienceKey: consumer.publicKey, expiresAt: clock + 30_000, ...overrides });
const names = Array.from({ length: 600 }, (_, index) => `v${index}`);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "handoff-proof-version-"));
  sent = [];
  holderStore = newStore("holder");
  for (const name of names) await holderStore.put("run", name, { name });
});

afterEach(async () => {
  await holder?.close();
  holder = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe("when the grant says its holder accepts version-2 fetch proofs", () => {
  it("the consumer signs version 2, alone and for each batch of a shared grant, and is served", async () => {
    const server = await startHolder();
    expect(server.proofVersions).toEqual([1, 2]); // what the agent's hello announces

    expect(await fetchResult({ prove, url: server.url, runId: "run", taskId: "v0", grant: grantFor("v0", { proof: 2 }) })).toMatchObject({ ok: true, value: { name: "v0" } });
    const shared = grantFor(names[0]!, { taskIds: names, proof: 2 });
    const fetcher = createResultFetcher({ store: newStore("consumer"), prove });
    const outcomes = await Promise.all(names.map((taskId) => fetcher.fetch({ url: server.url, runId: "run", taskId, grant: shared, isSharedGrant: true })));

    expect(outcomes.map((outcome) => (outcome.ok ? outcome.value : outcome.error))).toEqual(names.map((name) => ({ name })));
    expect(sent).toHaveLength(3); // one single fetch, two batches of at most 500
    expect(sent.every((header) => header.startsWith("v2."))).toBe(true);
  });

  it("the holder refuses a version-2 proof over another grant's digest, or for other names, saying why", async () => {
    const server = await startHolder();
    const grant = grantFor("v1", { proof: 2 });
    const overOther = signFetchProof(consumer.privateKey, { grants: [grantFor("v2", { proof: 2 })] }, clock, 2);
    const refused = await fetchResult({ url: server.url, runId: "run", taskId: "v1", grant, prove: () => overOther });
    const why = "the grant is refused (wrong_audience): the v2 proof is not the audience's signature of the presented grants' digest and names";
    expect(refused).toEqual({ ok: false, error: { kind: "forbidden", message: why, details: { reason: "wrong_audience" } } });

    const shared = grantFor(names[0]!, { taskIds: names, proof: 2 });
    const ask = (proof: string, taskIds: string[]) => fetch(`${server.url}/results/batch`, { method: "POST", headers: { [FETCH_PROOF_HEADER]: proof }, body: JSON.stringify({ grants: [shared], taskIds }) });
    const otherShared = grantFor(names[0]!, { taskIds: names.slice(0, 10), proof: 2 });
    expect(await (await ask(signFetchProof(consumer.privateKey, { grants: [otherShared], names: ["v3"] }, clock, 2), ["v3"])).text()).toContain(why);
    const forV3 = signFetchProof(consumer.privateKey, { grants: [shared], names: ["v3"] }, clock, 2);
    expect(await (await ask(forV3, ["v4"])).text()).toContain(why);
    expect(await (await ask(forV3, ["v3"])).text()).toContain('{"name":"v3"}');
  });
});

describe("when the holder accepts version-1 proofs only (an older agent's hello: its grants say nothing)", () => {
  it("the consumer signs version 1 and is served, alone and in batches; a version-2 proof it would refuse, naming the version", async () => {
    const server = await startHolder([1]);

    expect(await fetchResult({ prove, url: server.url, runId: "run", taskId: "v0", grant: grantFor("v0") })).toMatchObject({ ok: true, value: { name: "v0" } });
    const shared = grantFor(names[0]!, { taskIds: names });
    const fetcher = createResultFetcher({ store: newStore("consumer"), prove });
    const outcomes = await Promise.all(names.map((taskId) => fetcher.fetch({ url: server.url, runId: "run", taskId, grant: shared, isSharedGrant: true })));

    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(sent).toHaveLength(3);
    expect(sent.every((header) => /^\d+\.[\w-]{86}$/.test(header))).toBe(true); // the form a holder before version 2 reads
    const v2 = signFetchProof(consumer.privateKey, { grants: [grantFor("v1")] }, clock, 2);
    expect(await fetchResult({ url: server.url, runId: "run", taskId: "v1", grant: grantFor("v1"), prove: () => v2 })).toMatchObject({
      ok: false,
      error: { kind: "forbidden", message: "the grant is refused (wrong_audience): the proof's version 2 is not one this holder accepts (1)" },
    });
  });
});
