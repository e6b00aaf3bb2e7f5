import { randomBytes } from "node:crypto";
import { AgentEvent, AgentHeartbeat, AgentHello, BundleRequest, GrantRefresh, PROTOCOL_VERSION, ResultEvicted, SecretResolve, TaskFinished, TaskLogs, describeIssues } from "@handoff/protocol";
import { HELLO_PROOF_CONTEXT, verifyHelloProof } from "@handoff/protocol/machine-identity";
import type { FunctionBundleRepository } from "@handoff/db";
import type { z } from "zod";
import type { Logger } from "../log.ts";
import { announcedPort } from "../machines/holder-url.ts";
import { refreshGrant } from "../machines/refresh-grant.ts";
import type { Engine } from "../scheduler/engine.ts";
import { resolveAttemptSecrets, type AttemptSecretsContext } from "../secrets/resolve-attempt-secrets.ts";
import type { AgentLink } from "./agent-link.ts";

/**
 * One agent connection as the handlers see it: a socket on this server, or (replicas) a socket on a standby whose
 * messages the standby forwards here. Only `address` and `hasJoinToken` come from whoever holds the socket; the
 * machine's name is set here, by a hello whose identity proof this server checked against `nonce`.
 */
export interface AgentSession {
  readonly link: AgentLink;
  /** The socket's remote address (the agent's result server is reached there). */
  readonly address: string;
  /** The handshake carried a valid join (or admin) token: the hello may bind a new machine identity. */
  readonly hasJoinToken: boolean;
  /** The challenge for this connection's next hello; consumed by that hello (no replay). */
  nonce?: string;
  /** Set once a hello was welcomed: every report is this machine's. */
  machine?: string;
  /** Asked already for a new hello (reports arrived from an agent not welcomed here). */
  wasAskedToReannounce?: boolean;
}

export interface AgentHandlerOptions {
  readonly engine: Engine;
  readonly log: Logger;
  readonly secrets?: AttemptSecretsContext;
  readonly bundles?: Pick<FunctionBundleRepository, "code">;
  /** The largest socket message every replica takes: the welcome tells the agent, which keeps its batches under half. */
  readonly maxMessageBytes: number;
  /** Replicas: asks one agent for a new hello (reports reached the leader from an agent it has not welcomed). */
  readonly askReannounce?: (session: AgentSession) => void;
}

type Ack = (reply: unknown) => void;

/** Handles one agent message: what the socket's handlers did, for local and forwarded messages alike. */
export type AgentHandlers = {
  handle(session: AgentSession, event: string, payload: unknown, ack: Ack | undefined): void;
  /** The session's socket closed. */
  closed(session: AgentSession, reason: string): void;
};

/**
 * Every message an agent sends, parsed with zod: a malformed one is answered (when it has an ack) with the field path
 * and otherwise dropped — the connection and everyone else carry on. A known identity needs no token; a new one needs
 * the join token; the hello must sign this session's challenge with the machine's identity key.
 */
export function createAgentHandlers(options: AgentHandlerOptions): AgentHandlers {
  const { engine, log } = options;

  const parse = <T>(schema: z.ZodType<T>, session: AgentSession, what: string, payload: unknown): T | undefined => {
    const parsed = schema.safeParse(payload);
    if (parsed.success) return parsed.data;
    log.warn("malformed agent message", { machine: session.machine, event: what, problems: describeIssues(parsed.error.issues, payload) });
    return undefined;
  };

  /** The machine a report is from; none before a welcome (on a new leader: ask the agent to say hello again). */
  const welcomed = (session: AgentSession): string | undefined => {
    if (session.machine === undefined && !session.wasAskedToReannounce && options.askReannounce !== undefined && engine.isLeading()) {
      session.wasAskedToReannounce = true;
      options.askReannounce(session);
    }
    return session.machine;
  };

  const withAck: Record<string, (session: AgentSession, payload: unknown, ack: Ack) => void> = {
    [AgentEvent.Challenge]: (session, _payload, ack) => {
      session.nonce = randomBytes(24).toString("base64url");
      ack({ v: PROTOCOL_VERSION, nonce: session.nonce, context: HELLO_PROOF_CONTEXT });
    },
    [AgentEvent.Hello]: (session, payload, ack) => hello(session, payload, ack),
    [AgentEvent.GrantRefresh]: (session, payload, ack) => {
      if (!session.machine) return ack({ ok: false, error: { kind: "unauthorized", message: "grant:refresh before a welcome" } });
      const request = GrantRefresh.safeParse(payload);
      if (!request.success) return ack({ ok: false, error: { kind: "invalid_message", message: `grant:refresh: ${describeIssues(request.error.issues, payload)}` } });
      const refreshed = refreshGrant(engine, session.machine, request.data.grant);
      ack(refreshed.ok ? refreshed : { ok: false, error: { kind: refreshed.kind, message: refreshed.message } });
    },
    [AgentEvent.SecretResolve]: (session, payload, ack) => {
      const machine = session.machine;
      if (!machine || !options.secrets) return ack({ ok: false, error: { kind: "unauthorized", message: "secret:resolve before a welcome" } });
      const request = SecretResolve.safeParse(payload);
      if (!request.success) return ack({ ok: false, error: { kind: "invalid_message", message: `secret:resolve: ${describeIssues(request.error.issues, payload)}` } });
      resolveAttemptSecrets(options.secrets, machine, session.link, request.data).then(ack, (error: unknown) => {
        log.error("secret:resolve failed", { machine, error: error instanceof Error ? error.message : String(error) });
        ack({ ok: false, error: { kind: "internal", message: "secret:resolve failed on the server" } });
      });
    },
    // A pushed bundle's code, only to a welcomed machine whose agent fetches functions (it checks the hash itself).
    [AgentEvent.FunctionBundle]: (session, payload, ack) => {
      const machine = session.machine === undefined ? undefined : engine.machines.get(session.machine);
      if (!machine || machine.link === undefined || !options.bundles) return ack({ ok: false, error: { kind: "unauthorized", message: "function:bundle before a welcome" } });
      if (!machine.fetchesFunctions) return ack({ ok: false, error: { kind: "forbidden", message: `machine "${machine.name}" did not say it fetches functions` } });
      const request = BundleRequest.safeParse(payload);
      if (!request.success) return ack({ ok: false, error: { kind: "invalid_message", message: `function:bundle: ${describeIssues(request.error.issues, payload)}` } });
      options.bundles.code(request.data.hash).then(
        (code) => ack(code === undefined ? { ok: false, error: { kind: "not_found", message: `no function bundle ${request.data.hash}` } } : { ok: true, code }),
        (error: unknown) => {
          log.error("function:bundle failed", { machine: session.machine, error: error instanceof Error ? error.message : String(error) });
          ack({ ok: false, error: { kind: "internal", message: "function:bundle failed on the server" } });
        },
      );
    },
  };

  const reports: Record<string, (session: AgentSession, machine: string, payload: unknown) => void> = {
    [AgentEvent.Heartbeat]: (session, machine, payload) => {
      const beat = parse(AgentHeartbeat, session, AgentEvent.Heartbeat, payload);
      if (beat) engine.heartbeat(machine, session.link, beat);
    },
    [AgentEvent.TaskFinished]: (session, machine, payload) => {
      const finished = parse(TaskFinished, session, AgentEvent.TaskFinished, payload);
      if (finished) engine.finished(machine, session.link, finished.items);
    },
    [AgentEvent.TaskLogs]: (session, machine, payload) => {
      const logs = parse(TaskLogs, session, AgentEvent.TaskLogs, payload);
      if (logs) engine.logs(machine, session.link, logs.items);
    },
    [AgentEvent.ResultEvicted]: (session, machine, payload) => {
      const evicted = parse(ResultEvicted, session, AgentEvent.ResultEvicted, payload);
      if (evicted) engine.resultsEvicted(machine, session.link, evicted.items);
    },
  };

  function hello(session: AgentSession, payload: unknown, reply: Ack): void {
    const nonce = session.nonce;
    session.nonce = undefined; // one hello per challenge
    const parsed = AgentHello.safeParse(payload);
    if (!parsed.success) return reply({ ok: false, error: { kind: "invalid_message", message: `agent:hello: ${describeIssues(parsed.error.issues, payload)}` } });
    const { name, identity } = parsed.data;
    if (nonce === undefined || !verifyHelloProof(identity.publicKey, identity.signature, { context: HELLO_PROOF_CONTEXT, nonce, name })) {
      log.warn("agent hello without a valid identity proof", { machine: name, address: session.address, challenged: nonce !== undefined });
      const why = nonce === undefined ? "ask agent:challenge first; each challenge is good for one hello" : "wrong key, nonce or context";
      return reply({ ok: false, error: { kind: "unauthorized", message: `agent:hello for machine "${name}": identity.signature does not sign this connection's challenge (${why})` } });
    }
    const port = announcedPort(parsed.data.resultUrl);
    if (!port.ok) return reply({ ok: false, error: { kind: "invalid_message", message: `agent:hello: ${port.message}` } });
    // Replicas: a leader deposed since the message was forwarded; the agent tries again (the next leader asks it).
    if (!engine.isLeading()) return reply({ ok: false, error: { kind: "not_leader", message: "agent:hello: this server no longer leads" } });
    engine.connectAgent(parsed.data, session.link, { hasJoinToken: session.hasJoinToken, address: session.address, resultPort: port.port }).then(
      (admitted) => {
        if (!admitted.ok) return reply({ ok: false, error: { kind: admitted.kind, message: admitted.message } });
        session.machine = name;
        session.wasAskedToReannounce = false;
        reply({ ok: true, welcome: { ...admitted.welcome, maxMessageBytes: options.maxMessageBytes } });
      },
      (error: unknown) => {
        log.error("agent registration failed", { machine: name, error: String(error) });
        reply({ ok: false, error: { kind: "internal", message: "registration failed on the server" } });
      },
    );
  }

  return {
    handle(session, event, payload, ack) {
      const answered = withAck[event];
      if (answered !== undefined) {
        if (typeof ack === "function") answered(session, payload, ack);
        return;
      }
      const report = reports[event];
      if (report === undefined) return;
      const machine = welcomed(session);
      if (machine !== undefined) report(session, machine, payload);
    },
    closed(session, reason) {
      if (session.machine) engine.disconnectAgent(session.machine, session.link, reason);
    },
  };
}
