import type { z } from "zod";
import { describeIssues } from "../format-issues.ts";
import {
  AgentChallenge,
  AgentReannounce,
  AgentEvent,
  AgentHeartbeat,
  AgentHello,
  BundleReply,
  BundleRequest,
  FunctionsLoad,
  FunctionsLoadReply,
  ChallengeRequest,
  GrantRefresh,
  GrantRefreshReply,
  HelloReply,
  MachineForgotten,
  ResultEvicted,
  ResultPut,
  ResultPutReply,
  ResultsPin,
  RunEnded,
  SecretResolve,
  SecretResolveReply,
  TaskAbort,
  TaskAssign,
  TaskFinished,
  TaskLogs,
} from "./agent-messages.ts";

/** One socket.io event: the schema of its payload and, when the sender waits for an answer, of the reply. */
type Message = { readonly payload: z.ZodType; readonly reply?: z.ZodType };
type Catalogue = Readonly<Record<string, Message>>;

/** Every event an agent sends, with its payload and reply schemas: the one source of the socket.io event maps. */
export const AgentToServer = {
  [AgentEvent.Challenge]: { payload: ChallengeRequest, reply: AgentChallenge },
  [AgentEvent.Hello]: { payload: AgentHello, reply: HelloReply },
  [AgentEvent.GrantRefresh]: { payload: GrantRefresh, reply: GrantRefreshReply },
  [AgentEvent.SecretResolve]: { payload: SecretResolve, reply: SecretResolveReply },
  [AgentEvent.FunctionBundle]: { payload: BundleRequest, reply: BundleReply },
  [AgentEvent.Heartbeat]: { payload: AgentHeartbeat },
  [AgentEvent.TaskFinished]: { payload: TaskFinished },
  [AgentEvent.TaskLogs]: { payload: TaskLogs },
  [AgentEvent.ResultEvicted]: { payload: ResultEvicted },
} as const satisfies Catalogue;

/** Every event the server sends to an agent, with its payload and reply schemas. */
export const ServerToAgent = {
  [AgentEvent.TaskAssign]: { payload: TaskAssign },
  [AgentEvent.TaskAbort]: { payload: TaskAbort },
  [AgentEvent.RunEnded]: { payload: RunEnded },
  [AgentEvent.ResultsPin]: { payload: ResultsPin },
  [AgentEvent.MachineForgotten]: { payload: MachineForgotten },
  [AgentEvent.Reannounce]: { payload: AgentReannounce },
  [AgentEvent.ResultPut]: { payload: ResultPut, reply: ResultPutReply },
  [AgentEvent.FunctionsLoad]: { payload: FunctionsLoad, reply: FunctionsLoadReply },
} as const satisfies Catalogue;

export type AgentToServer = typeof AgentToServer;
export type ServerToAgent = typeof ServerToAgent;

/** The events of a catalogue that expect a reply (socket.io acks), and those that do not. */
export type RequestEvent<C extends Catalogue> = { [E in keyof C]: C[E] extends { reply: z.ZodType } ? E : never }[keyof C];
export type NoticeEvent<C extends Catalogue> = Exclude<keyof C, RequestEvent<C>>;

/** What goes out: the payload as the schema accepts it (`z.input`). */
export type PayloadOf<C extends Catalogue, E extends keyof C> = z.input<C[E]["payload"]>;
/** What a reply means once parsed (`z.output`). */
export type ReplyOf<C extends Catalogue, E extends RequestEvent<C>> = C[E] extends { reply: infer R extends z.ZodType } ? z.output<R> : never;

/**
 * The sender's socket.io event map: payloads typed from the catalogue; replies arrive as `unknown`, because a peer can
 * answer anything — read them with `parseReply`.
 */
export type EmitEvents<C extends Catalogue> = {
  [E in keyof C]: C[E] extends { reply: z.ZodType } ? (payload: PayloadOf<C, E>, ack: (reply: unknown) => void) => void : (payload: PayloadOf<C, E>) => void;
};

/**
 * The receiver's socket.io event map: payloads arrive as `unknown` (parse them with the catalogue's schema); the reply
 * it gives is typed. The ack is optional: a peer may emit without waiting for an answer.
 */
export type ListenEvents<C extends Catalogue> = {
  [E in keyof C]: C[E] extends { reply: infer R extends z.ZodType } ? (payload: unknown, ack?: (reply: z.input<R>) => void) => void : (payload: unknown) => void;
};

/** A reply that did not match its schema: what was asked and every field that is wrong. */
export type InvalidReply = { readonly kind: "invalid_message"; readonly message: string };

/**
 * Reads a peer's reply to `event` with the catalogue's schema: a malformed one becomes a named error, never a crash.
 * @example
 * const reply = parseReply(AgentToServer, AgentEvent.Hello, await socket.emitWithAck(AgentEvent.Hello, hello));
 * if (!reply.ok) fail(reply.error.message); // "the reply to agent:hello is malformed: welcome.grantSecret: expected string (missing)"
 */
export function parseReply<C extends Catalogue, E extends RequestEvent<C> & string>(
  catalogue: C,
  event: E,
  reply: unknown,
): { readonly ok: true; readonly reply: ReplyOf<C, E> } | { readonly ok: false; readonly error: InvalidReply } {
  const schema = catalogue[event]?.reply;
  if (schema === undefined) return { ok: false, error: { kind: "invalid_message", message: `${event} takes no reply` } };
  const parsed = schema.safeParse(reply);
  if (parsed.success) return { ok: true, reply: parsed.data as ReplyOf<C, E> };
  return { ok: false, error: { kind: "invalid_message", message: `the reply to ${event} is malformed: ${describeIssues(parsed.error.issues, reply)}` } };
}
