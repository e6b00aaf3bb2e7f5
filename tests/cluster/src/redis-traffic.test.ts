import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { dagFile, tempFile } from "./fixtures.ts";
import { redisTestServer } from "./redis-test-server.ts";
import { describeReplicas } from "./replicas-fixture.ts";

// Issue #18 §1: Redis is not trusted. A run whose task takes a secret runs on an agent connected only to the standby,
// so its secret:resolve goes to the leader over Redis and the value comes back that way, and its assignment and reports
// cross Redis too. A raw client subscribed to every handoff channel sees that traffic — and none of what it carries.
const secretValue = `s3cr3t-${randomBytes(12).toString("hex")}`;
const machine = `spied-${randomBytes(4).toString("hex")}`;
const sha = (text: string): string => createHash("sha256").update(text).digest("hex");

function secretFunction(): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "handoff-redis-spy-")), "use-secret.mjs");
  const source = `import { writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { defineFunction } from "@handoff/sdk";
export const use = defineFunction({ name: "spy.use", run: (file, password) => { writeFileSync(file, createHash("sha256").update(password).digest("hex")); return password.length; } });
`;
  writeFileSync(file, source);
  return file;
}

/** A raw RESP connection subscribed to `handoff:*`: every byte Redis pushes to it. */
async function spyOnRedis(url: string): Promise<{ traffic: () => Buffer; close: () => void }> {
  const { hostname, port } = new URL(url);
  const chunks: Buffer[] = [];
  const socket: Socket = connect({ host: hostname, port: Number(port || 6379) });
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  socket.write("PSUBSCRIBE handoff:*\r\n");
  await expect.poll(() => Buffer.concat(chunks).includes("psubscribe"), { timeout: 10_000 }).toBe(true);
  return { traffic: () => Buffer.concat(chunks), close: () => socket.destroy() };
}

describeReplicas("when a task on a standby's agent takes a secret", [{ name: machine, capacity: { cpu: 1, slots: 1 }, functions: [secretFunction()], servers: [1] }], (replicas) => {
  it("the secret, the run and the machine cross Redis sealed: a raw subscriber reads none of them", async () => {
    expect(await replicas().roles()).toEqual(["leader", "standby"]);
    const spy = await spyOnRedis(redisTestServer.url);
    await replicas().client.trpc.secrets.set.mutate({ name: "warehouse", value: secretValue });
    const hashFile = tempFile("redis-spy");
    const { runId } = await replicas().client.startRun(dagFile("redis-spy", [{ id: "use", fn: "spy.use", extraArgs: [hashFile, { secret: "warehouse" }] }]));
    await expect.poll(async () => (await replicas().client.getRun(runId)).status, { timeout: 60_000, interval: 250 }).toBe("succeeded");
    expect(readFileSync(hashFile, "utf8")).toBe(sha(secretValue)); // the agent on the standby had the value
    spy.close();

    const traffic = spy.traffic();
    // It did cross Redis: forwarded to the leader, answered on the standby's channel, assigned through the adapter.
    for (const channel of ["handoff:agents:to-leader", "handoff:agents:replies:", "handoff:socket.io#/#"]) expect([channel, traffic.includes(channel)]).toEqual([channel, true]);
    for (const readable of [secretValue, Buffer.from(secretValue).toString("base64"), runId, machine, "spy.use"]) expect([readable, traffic.includes(readable)]).toEqual([readable, false]);
  }, 180_000);
});
