import { verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decodePublicKey, generateMachineKey, loadMachineKey, signFetchProof, verifyFetchProof } from "./machine-identity.ts";

describe("fetch proofs", () => {
  const key = loadMachineKey(generateMachineKey().privateKeyPem);
  const other = loadMachineKey(generateMachineKey().privateKeyPem);
  const long = (seed: string, chars: number): string => seed.repeat(Math.ceil(chars / seed.length)).slice(0, chars);
  // Short grants, a shared grant over the length kept encoded (alone, and with the names asked for), with non-ASCII.
  const cases: string[][] = [[], ["g"], ["a", "b"], [long("x.", 5000)], [long("ü\"\\é.", 4096), "k1", "ké\n2"], [long("y", 4095), "k"], [long("z", 100_000), ...Array.from({ length: 500 }, (_, i) => `k${i}`)]];

  it("signs exactly JSON.stringify([context, at, grants]) in UTF-8, however often a long grant comes back", () => {
    for (let round = 0; round < 3; round++) {
      for (const grants of cases) {
        const at = 1_700_000_000_000 + round;
        const proof = signFetchProof(key.privateKey, grants, at);
        const signature = Buffer.from(proof.split(".")[1]!, "base64url");
        const reference = Buffer.from(JSON.stringify(["handoff result fetch v1", at, grants]), "utf8");
        expect(verify(null, reference, decodePublicKey(key.publicKey)!, signature), `${grants.length} grants, round ${round}`).toBe(true);
        expect(verifyFetchProof(key.publicKey, proof, grants, at)).toBe(true);
      }
    }
  });

  it("refuses a proof for other grants, names, another key or a time out of skew", () => {
    const grants = [long("z", 10_000), "k1", "k2"];
    const at = Date.now();
    const proof = signFetchProof(key.privateKey, grants, at);
    expect(verifyFetchProof(key.publicKey, proof, [grants[0]!, "k1", "k3"], at)).toBe(false);
    expect(verifyFetchProof(key.publicKey, proof, [`${grants[0]!}z`, "k1", "k2"], at)).toBe(false);
    expect(verifyFetchProof(other.publicKey, proof, grants, at)).toBe(false);
    expect(verifyFetchProof(key.publicKey, proof, grants, at + 10 * 60_000)).toBe(false);
  });
});
