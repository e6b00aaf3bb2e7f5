import { createHash, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signGrant, type FetchProofSubject } from "./grant.ts";
import { decodePublicKey, generateMachineKey, loadMachineKey, signFetchProof, verifyFetchProof } from "./machine-identity.ts";

const key = loadMachineKey(generateMachineKey().privateKeyPem);
const other = loadMachineKey(generateMachineKey().privateKeyPem);
const long = (seed: string, chars: number): string => seed.repeat(Math.ceil(chars / seed.length)).slice(0, chars);
// Short grants, a shared grant over the length kept encoded (alone, and with the names asked for), with non-ASCII.
const cases: FetchProofSubject[] = [
  { grants: [] },
  { grants: ["g"] },
  { grants: ["a", "b"] },
  { grants: [long("x.", 5000)] },
  { grants: [long("ü\"\\é.", 4096)], names: ["k1", "ké\n2"] },
  { grants: [long("y", 4095)], names: ["k"] },
  { grants: [long("z", 100_000)], names: Array.from({ length: 500 }, (_, i) => `k${i}`) },
];
const signatureOf = (proof: string): Buffer => Buffer.from(proof.split(".").at(-1)!, "base64url");
const signs = (proof: string, message: string): boolean => verify(null, Buffer.from(message, "utf8"), decodePublicKey(key.publicKey)!, signatureOf(proof));

describe("version-1 fetch proofs (what every holder accepts)", () => {
  it("signs exactly JSON.stringify([context, at, [...grants, ...names]]) in UTF-8, however often a long grant comes back", () => {
    for (let round = 0; round < 3; round++) {
      for (const subject of cases) {
        const at = 1_700_000_000_000 + round;
        const proof = signFetchProof(key.privateKey, subject, at, 1);
        expect(proof).toMatch(/^\d+\.[\w-]{86}$/); // the form holders before version 2 read
        expect(signs(proof, JSON.stringify(["handoff result fetch v1", at, [...subject.grants, ...(subject.names ?? [])]])), `${subject.grants.length} grants, round ${round}`).toBe(true);
        expect(verifyFetchProof(key.publicKey, proof, subject, at)).toEqual({ ok: true });
      }
    }
  });

  it("refuses a proof for other grants, names, another key or a time out of skew, saying why", () => {
    const subject = { grants: [long("z", 10_000)], names: ["k1", "k2"] };
    const at = Date.now();
    const proof = signFetchProof(key.privateKey, subject, at, 1);
    const notSigned = { ok: false, why: "the proof is not the audience's signature of the grants and names presented" };
    expect(verifyFetchProof(key.publicKey, proof, { ...subject, names: ["k1", "k3"] }, at)).toEqual(notSigned);
    expect(verifyFetchProof(key.publicKey, proof, { ...subject, grants: [`${subject.grants[0]!}z`] }, at)).toEqual(notSigned);
    expect(verifyFetchProof(other.publicKey, proof, subject, at)).toEqual(notSigned);
    expect(verifyFetchProof(key.publicKey, proof, subject, at + 10 * 60_000)).toEqual({ ok: false, why: "the proof's time is more than 60000 ms from the holder's clock" });
    expect(verifyFetchProof(key.publicKey, undefined, subject, at)).toEqual({ ok: false, why: "no x-handoff-proof header" });
  });
});

describe("version-2 fetch proofs (over the grants' digest)", () => {
  it("signs exactly JSON.stringify([context, at, sha256(JSON.stringify(grants)), names]), however often a long grant comes back", () => {
    for (let round = 0; round < 3; round++) {
      for (const subject of cases) {
        const at = 1_700_000_000_000 + round;
        const proof = signFetchProof(key.privateKey, subject, at, 2);
        expect(proof.startsWith(`v2.${at}.`)).toBe(true);
        const digest = createHash("sha256").update(JSON.stringify(subject.grants), "utf8").digest("base64url");
        expect(signs(proof, JSON.stringify(["handoff result fetch v2", at, digest, subject.names ?? []])), `${subject.grants.length} grants, round ${round}`).toBe(true);
        expect(verifyFetchProof(key.publicKey, proof, subject, at)).toEqual({ ok: true });
      }
    }
  });

  it("refuses a proof over another grant's digest, other names or another key, saying why", () => {
    const shared = long("s", 50_000);
    const subject = { grants: [shared], names: ["k1", "k2"] };
    const at = Date.now();
    const proof = signFetchProof(key.privateKey, subject, at, 2);
    const notSigned = { ok: false, why: "the v2 proof is not the audience's signature of the presented grants' digest and names" };
    expect(verifyFetchProof(key.publicKey, proof, { grants: [`${shared.slice(0, -1)}t`], names: ["k1", "k2"] }, at)).toEqual(notSigned);
    expect(verifyFetchProof(key.publicKey, proof, { grants: [shared, "g2"], names: ["k1", "k2"] }, at)).toEqual(notSigned);
    expect(verifyFetchProof(key.publicKey, proof, { grants: [shared], names: ["k1"] }, at)).toEqual(notSigned);
    expect(verifyFetchProof(other.publicKey, proof, subject, at)).toEqual(notSigned);
    // The same signature presented as a version-1 proof (the prefix cut) is checked as one, and fails.
    expect(verifyFetchProof(key.publicKey, proof.slice(3), subject, at)).toMatchObject({ ok: false });
    expect(verifyFetchProof(key.publicKey, `v3.${proof.slice(3)}`, subject, at)).toEqual({ ok: false, why: "the proof's version 3 is not one this holder accepts (1, 2)" });
    expect(verifyFetchProof(key.publicKey, `v1.${proof.slice(3)}`, subject, at)).toEqual({ ok: false, why: "the x-handoff-proof header is malformed" });
    // A holder that accepts version 1 only (as one started so) says so.
    expect(verifyFetchProof(key.publicKey, proof, subject, at, [1])).toEqual({ ok: false, why: "the proof's version 2 is not one this holder accepts (1)" });
  });

  it("is what a consumer signs by default for a grant that says its holder accepts it, version 1 otherwise", () => {
    const secret = "a-shared-secret-of-enough-length";
    const grant = { runId: "r", taskId: "t", holder: "a", audience: "b", audienceKey: key.publicKey, expiresAt: 10_000 };
    const at = Date.now();
    const taskIds = Array.from({ length: 1000 }, (_, i) => `task-${i}`);
    for (const extra of [{}, { taskIds }]) {
      expect(signFetchProof(key.privateKey, { grants: [signGrant(secret, { ...grant, ...extra, proof: 2 })] }, at)).toMatch(/^v2\./);
      expect(signFetchProof(key.privateKey, { grants: [signGrant(secret, { ...grant, ...extra })] }, at)).toMatch(/^\d+\./);
    }
    expect(signFetchProof(key.privateKey, { grants: ["not a grant"] }, at)).toMatch(/^\d+\./);
  });
});
