import type { DagSpec } from "@handoff/core";
import type { Database } from "@handoff/db";
import { AgentHello, DagFile, toDagSpec, type TaskFinishedItem } from "@handoff/protocol";
import { createLogger } from "../log.ts";
import { Engine, type EngineOptions } from "./engine.ts";
import type { FakeClock } from "./fake-clock.ts";
import type { AgentLink } from "./live-machine.ts";

/** The socket side of an agent in unit tests: records what the server sends and whether it hung up. */
export class RecordingLink implements AgentLink {
  readonly sent: { event: string; payload: unknown }[] = [];
  disconnectedFor: string | undefined;

  readonly send: AgentLink["send"] = (event, ...payload) => {
    this.sent.push({ event, payload: payload[0] });
  };

  request(): Promise<unknown> {
    return Promise.reject(new Error("RecordingLink: no result:put in unit tests"));
  }

  disconnect(reason: string): void {
    this.disconnectedFor = reason;
  }

  /** The payloads of every `event` sent so far. */
  payloads(event: string): unknown[] {
    return this.sent.filter((sent) => sent.event === event).map((sent) => sent.payload);
  }
}

/** A hello as the gateway hands it over (signature already checked), parsed like one from the wire. */
export function helloFrom(name: string, fields: Partial<AgentHello> = {}): AgentHello {
  return AgentHello.parse({
    v: 1,
    name,
    capacity: { cpu: 2, slots: 2 },
    functions: ["std.constant", "std.identity", "std.fail"].map((fn) => ({ name: fn, namespace: "std", inputs: { kind: "variadic" }, codeHash: `hash-${fn}` })),
    agentVersion: "test",
    resultUrl: "http://127.0.0.1:7411",
    identity: { publicKey: `key-${name}`, signature: "checked-by-the-gateway" },
    ...fields,
  });
}

/** A DAG file of `tasks`, as the API hands it to the engine. */
export function dagOf(tasks: readonly Record<string, unknown>[], fields: Record<string, unknown> = {}): { dag: DagSpec; file: DagFile } {
  const file = DagFile.parse({ format: "handoff.dag", version: 1, name: "unit", tasks, ...fields });
  return { dag: toDagSpec(file), file };
}

/** The engine over a real database, with time in the test's hands. */
export function testEngine(db: Database, clock: FakeClock, fields: Partial<EngineOptions> = {}): Engine {
  return new Engine({ db, log: createLogger("silent"), noMachineGraceMs: 60_000, machineTimeoutMs: 60_000, heartbeatMs: 1000, clock, timers: clock, ...fields });
}

/** Runs the engine's queued work (the end of each tick) until nothing is left. */
export async function settle(clock: FakeClock, engine: Engine): Promise<void> {
  clock.runSoon();
  await engine.flushed();
}

export function assigned(link: RecordingLink): { attemptId: string; taskId: string }[] {
  return link.payloads("task:assign").flatMap((payload) => (payload as { items: { attemptId: string; taskId: string }[] }).items.map(({ attemptId, taskId }) => ({ attemptId, taskId })));
}

/** The connection an agent's hello comes over in unit tests (a join token, loopback, its result port). */
export const testConnection = { hasJoinToken: true, address: "127.0.0.1", resultPort: 7411 };

/** A succeeded attempt's report whose result preview is `preview` (JSON). */
export function succeededItem(attemptId: string, preview: string): TaskFinishedItem {
  return { ok: true, attemptId, result: { size: preview.length, contentType: "application/json", preview, truncated: false }, metrics: { wallMs: 5 } };
}
