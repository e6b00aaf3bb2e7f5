import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, expect, it } from "vitest";
import { appRouter, createCallerFactory, type ApiServices, type Principal } from "@handoff/api";
import type { DagFile } from "@handoff/protocol";
import { describeEachDatabase } from "@handoff/db/testing";
import { AuditLog } from "../auth/audit-log.ts";
import { SignInCodeService } from "../auth/sign-in-codes.ts";
import { TokenService } from "../auth/tokens.ts";
import { ResultRelay } from "../http/result-relay.ts";
import { createLogger } from "../log.ts";
import { Engine } from "../scheduler/engine.ts";
import { createApiServices } from "./api-services.ts";
import { createDagsService } from "./dags-service.ts";
import { createRunsService } from "./runs-service.ts";
import { createSystemTimers, systemClock } from "../scheduler/clock.ts";
import { createTriggers } from "../triggers/triggers-service.ts";
import { SecretVault } from "../secrets/secret-vault.ts";
import { parseSecretsKey } from "../secrets/secrets-key.ts";

// The routers of @handoff/api answering through tRPC's createCaller, over the server's real services: a real engine
// on a real database (SQLite and PostgreSQL). Nothing of ours is replaced.
const createCaller = createCallerFactory(appRouter);

const wordCount: DagFile = {
  format: "handoff.dag",
  version: 1,
  name: "word-count",
  tasks: [
    { id: "text", fn: "std.constant", extraArgs: ["a b a"] },
    { id: "count", fn: "words.count", args: ["text"] },
  ],
};

describeEachDatabase("when the API is called through services built over the engine", (database) => {
  let engine: Engine;
  let services: ApiServices;
  let admin: Principal;
  let user: Principal;
  const as = (principal: Principal | undefined) => createCaller({ ...services, principal, clientAddress: "127.0.0.1", credentialSignal: undefined });

  beforeAll(async () => {
    const { db } = database();
    const log = createLogger("error");
    const tokens = new TokenService(db);
    engine = new Engine({ db, log, noMachineGraceMs: 60_000, machineTimeoutMs: 60_000, heartbeatMs: 5_000, resumeGraceMs: 0 });
    await engine.start();
    const keys = { current: parseSecretsKey("ab".repeat(32), "test key"), previous: [], source: "environment" } as const;
    services = createApiServices({
      triggers: createTriggers({ db, keys, services: { dags: createDagsService({ engine, db }), runs: createRunsService({ engine, db }) }, clock: systemClock, timers: createSystemTimers(), log }).service,
      engine,
      db,
      relay: new ResultRelay(engine),
      tokens,
      audit: new AuditLog(db, log),
      codes: new SignInCodeService(db),
      localMachine: "m1",
      maxMessageBytes: 1 << 20,
      publicUrl: () => "http://127.0.0.1:4400",
      vault: new SecretVault({ db, keys, log }),
    });
    admin = (await tokens.authenticate((await tokens.create("admin", "admin", null)).token))!;
    user = (await tokens.authenticate((await tokens.create("alice", "user", null)).token))!;
  }, 120_000);

  afterAll(async () => {
    await engine.stop();
  });

  it("registers a machine and shows it without its socket or its grant secret", async () => {
    const registered = await as(admin).machines.register({ name: "m1", capacity: { cpu: 2 } });
    expect(registered).toMatchObject({ name: "m1", status: "offline", local: true, capacity: { cpu: 2, slots: expect.any(Number) as number } });
    const listed = await as(user).machines.list();
    expect(listed.map((machine) => machine.name)).toEqual(["m1"]);
    expect(Object.keys(listed[0]!)).not.toContain("grantSecret");
    expect(Object.keys(listed[0]!)).not.toContain("link");
    expect(await as(user).machines.resourcesAvailable({ name: "m1", request: { cpu: 1 } })).toMatchObject({ available: false });
  });

  it("answers NOT_FOUND for a machine nobody registered, and BAD_REQUEST for an address that is not a host", async () => {
    await expect(as(admin).machines.drain({ name: "nowhere" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(as(admin).machines.setAddress({ name: "m1", address: "http://evil/path" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const changed = await as(admin).machines.setAddress({ name: "m1", address: "10.0.0.7" });
    expect(changed.name).toBe("m1");
  });

  it("saves a DAG as versions and reads each back", async () => {
    expect(await as(user).dags.save({ file: wordCount })).toEqual({ name: "word-count", version: 1 });
    expect(await as(user).dags.save({ file: { ...wordCount, description: "second" } })).toEqual({ name: "word-count", version: 2 });
    expect((await as(user).dags.versions({ name: "word-count" })).map((version) => version.version).sort()).toEqual([1, 2]);
    expect(await as(user).dags.get({ name: "word-count", version: 1 })).toMatchObject({ name: "word-count", version: 1, file: { tasks: wordCount.tasks } });
  });

  it("refuses a run no machine can take with every problem, and stores nothing", async () => {
    const refused = await as(user)
      .runs.start({ dag: { name: "word-count" } })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TRPCError);
    expect(refused).toMatchObject({ code: "BAD_REQUEST", problems: expect.arrayContaining([expect.objectContaining({ kind: "unknown_function" })]) as unknown });
    expect((await as(user).runs.list()).items).toEqual([]);
  });

  it("keeps tokens to admins, and callers without a credential out", async () => {
    await expect(as(user).tokens.list()).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(as(undefined).runs.list()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    const created = await as(admin).tokens.create({ name: "ci", kind: "user", expiresInHours: 1 });
    expect((await as(admin).tokens.list()).map((token) => token.name)).toContain("ci");
    expect(await as(admin).tokens.revoke({ id: created.id })).toEqual({ ok: true, alreadyRevoked: false });
  });
});
