import { request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { Relayed, ResultFailure } from "@handoff/api";
import { ApiErrorBody, fromBytesJson, isBytesJson, PROTOCOL_VERSION, toBytesJson, type ResultMeta } from "@handoff/protocol";
import { SERVER_AUDIENCE, signServerProof } from "@handoff/protocol/grant";
import { FETCH_PROOF_HEADER } from "@handoff/protocol/machine-identity";
import { storeOnAgent } from "../gateway/store-on-agent.ts";
import type { Engine, LiveMachine, ResultRef } from "../scheduler/engine.ts";

/**
 * Brings a value from the machine that holds it to an API caller. The server signs a grant with the
 * holder's secret (audience `server`) and reads the agent's result server, streaming for the raw route.
 */
export class ResultRelay {
  constructor(private readonly engine: Engine) {}

  private async holder(runId: string, taskId: string, fromMachine: string | undefined): Promise<Relayed<{ machine: LiveMachine; ref: ResultRef | undefined; heldUnder: string }>> {
    const ref = await this.engine.lookupResult(runId, taskId);
    const name = fromMachine ?? ref?.machine;
    if (name === undefined) return { ok: false, failure: { kind: "not_found", message: `no result is recorded for task "${taskId}" of run "${runId}"` } };
    const gone = fromMachine === undefined && ref ? unavailable(ref, taskId, undefined) : undefined;
    if (gone) return { ok: false, failure: gone };
    const machine = this.engine.machines.get(name);
    if (!machine) return { ok: false, failure: { kind: "not_found", message: `unknown machine "${name}"` } };
    const offline = unavailable(ref ?? { machine: name, size: 0, contentType: "application/json", preview: "", truncated: false }, taskId, machine);
    if (offline) return { ok: false, failure: offline };
    return { ok: true, value: { machine, ref, heldUnder: (fromMachine === undefined ? ref?.heldUnder : undefined) ?? runId } };
  }

  /** The decoded value, when it is at most `maxBytes` (JSON-safe form for the API: bytes as `{ $bytes: base64 }`). */
  async value(runId: string, taskId: string, fromMachine: string | undefined, maxBytes: number): Promise<Relayed<{ value: unknown; size: number; machine: string }>> {
    const found = await this.holder(runId, taskId, fromMachine);
    if (!found.ok) return found;
    const { machine, ref } = found.value;
    if (ref && ref.size > maxBytes) {
      return {
        ok: false,
        failure: { kind: "too_large", message: `the value is ${ref.size} bytes, over the API limit of ${maxBytes}; GET /api/results/${runId}/${taskId} streams it` },
      };
    }
    const known = fromMachine === undefined ? valueFromPreview(ref) : undefined;
    if (known !== undefined) return { ok: true, value: { value: known.value, size: ref!.size, machine: machine.name } };
    const opened = await this.open(runId, taskId, fromMachine);
    if (!opened.ok) return opened;
    const { response, encoding } = opened.value;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response as AsyncIterable<Buffer>) {
      size += chunk.byteLength;
      if (size > maxBytes) {
        response.destroy();
        return { ok: false, failure: { kind: "too_large", message: `the value is over the API limit of ${maxBytes} bytes; GET /api/results/${runId}/${taskId} streams it` } };
      }
      chunks.push(chunk);
    }
    const bytes = Buffer.concat(chunks);
    const value: unknown = encoding.name === "bytes" ? toBytesJson(bytes) : JSON.parse(bytes.toString("utf8"));
    return { ok: true, value: { value, size, machine: machine.name } };
  }

  /**
   * The holder's HTTP response, to be piped to the caller (no buffering), with the value's encoding as we know it:
   * from the reference the agent reported (validated on the wire), else the holder's header if it is one of ours.
   */
  async open(runId: string, taskId: string, fromMachine: string | undefined): Promise<Relayed<{ response: IncomingMessage; machine: string; encoding: Encoding }>> {
    const found = await this.holder(runId, taskId, fromMachine);
    if (!found.ok) return found;
    const { machine, ref, heldUnder } = found.value;
    const url = new URL(`results/${encodeURIComponent(heldUnder)}/${encodeURIComponent(taskId)}`, machine.resultUrl!.endsWith("/") ? machine.resultUrl! : `${machine.resultUrl!}/`);
    try {
      const response = await new Promise<IncomingMessage>((resolve, reject) => {
        // The holder's address is the one its socket came from (or an admin's override): never an agent-chosen host.
        const grant = this.engine.grantFor(machine, heldUnder, taskId, SERVER_AUDIENCE);
        const proof = signServerProof(machine.grantSecret, [grant], Date.now());
        const outgoing = httpRequest(url, { headers: { Authorization: `Bearer ${grant}`, [FETCH_PROOF_HEADER]: proof } });
        outgoing.once("response", resolve);
        outgoing.once("error", reject);
        outgoing.end();
      });
      if (response.statusCode === 200) {
        const encoding = knownEncoding(ref?.contentType) ?? knownEncoding(response.headers["x-handoff-content-type"]) ?? ENCODINGS["application/octet-stream"];
        return { ok: true, value: { response, machine: machine.name, encoding } };
      }
      const chunks: Buffer[] = [];
      for await (const chunk of response as AsyncIterable<Buffer>) chunks.push(chunk);
      let kind = "not_found";
      try {
        // The holder refuses in the API's one error shape, `{ error: { kind, message } }`.
        const parsed = ApiErrorBody.safeParse((JSON.parse(Buffer.concat(chunks).toString("utf8")) as { error?: unknown }).error);
        if (parsed.success) kind = parsed.data.kind;
      } catch {
        // keep not_found
      }
      return { ok: false, failure: refusal(kind, taskId, machine.name) };
    } catch (error) {
      return { ok: false, failure: { kind: "unreachable", message: `could not read from "${machine.name}": ${error instanceof Error ? error.message : String(error)}` } };
    }
  }

  /** Stores a value on a named machine (through its agent) and records where it lives. */
  async store(runId: string, taskId: string, value: unknown, machineName: string): Promise<Relayed<ResultRef>> {
    const machine = this.engine.machines.get(machineName);
    if (!machine) return { ok: false, failure: { kind: "not_found", message: `unknown machine "${machineName}"` } };
    if (!machine.link) return { ok: false, failure: { kind: "machine_offline", message: `machine "${machineName}" is offline` } };
    const bytes = isBytesJson(value) ? fromBytesJson(value) : undefined;
    if (bytes === null) return { ok: false, failure: { kind: "invalid_request", message: "value.$bytes: expected base64 text" } };
    const stored = await storeOnAgent(machine.link, machineName, { v: PROTOCOL_VERSION, runId, taskId, value: bytes ?? value }, 30_000);
    if (!stored.ok) return { ok: false, failure: { kind: "unreachable", message: stored.message } };
    const ref: ResultRef = { machine: machineName, ...stored.result };
    this.engine.registerResult(runId, taskId, ref);
    return { ok: true, value: ref };
  }
}

/**
 * The value itself when the holder reported its preview as its whole JSON text (`exact`): no round trip to the holder,
 * which matters when a caller materializes thousands of small results. Undefined when it must be read.
 */
function valueFromPreview(ref: ResultRef | undefined): { readonly value: unknown } | undefined {
  if (ref?.exact !== true || ref.truncated || ref.contentType !== "application/json") return undefined;
  try {
    return { value: JSON.parse(ref.preview) as unknown };
  } catch {
    return undefined; // not JSON after all: read it from the holder
  }
}

/** The value encodings of our codec: the only content types the relay ever answers with. */
const ENCODINGS = {
  "application/json": { contentType: "application/json", name: "json", extension: "json" },
  "application/octet-stream": { contentType: "application/octet-stream", name: "bytes", extension: "bin" },
} as const satisfies Record<ResultMeta["contentType"], { contentType: string; name: string; extension: string }>;
export type Encoding = (typeof ENCODINGS)[keyof typeof ENCODINGS];

function knownEncoding(contentType: unknown): Encoding | undefined {
  return contentType === "application/json" || contentType === "application/octet-stream" ? ENCODINGS[contentType] : undefined;
}

/**
 * Streams a relayed value to an API caller with headers of our own choosing — never the holder's (an agent
 * could otherwise serve HTML and script from the dashboard's origin): our encoding as the content type (and in
 * `X-Handoff-Encoding`), a download named after the task, no sniffing, and a Content-Length only when the
 * holder's is a valid number (an empty one makes undici fail with HPE_INVALID_CONTENT_LENGTH).
 */
export function pipeRelayed(opened: { response: IncomingMessage; machine: string; encoding: Encoding }, taskId: string, response: ServerResponse): void {
  const { encoding, response: upstream } = opened;
  const length = upstream.headers["content-length"];
  const headers: Record<string, string> = {
    "Content-Type": encoding.contentType,
    "X-Handoff-Encoding": encoding.name,
    "Content-Disposition": `attachment; filename="${safeFileName(taskId)}.${encoding.extension}"`,
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "X-Handoff-Machine": opened.machine,
  };
  if (length !== undefined && /^\d{1,15}$/.test(length)) headers["Content-Length"] = length;
  response.writeHead(200, headers);
  upstream.pipe(response);
}

/** A task id as a file name: letters, digits, `.`, `_`, `-`; anything else becomes `_`; at most 100 characters. */
export function safeFileName(taskId: string): string {
  const name = taskId.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 100);
  return name === "" ? "value" : name;
}

/**
 * Why a recorded result cannot be read now, in words a user can act on; undefined when it can be tried.
 * With `machine` (the holder's live entry) it also says when the holder is offline.
 */
export function unavailable(ref: ResultRef, taskId: string, machine: LiveMachine | undefined): ResultFailure | undefined {
  if (ref.lost) {
    const lostAt = new Date(ref.lost.at).toISOString();
    const next = ref.recomputedBy ? `run "${ref.recomputedBy}" is recomputing it` : "results.recompute rebuilds it from lineage";
    return {
      kind: "result_lost",
      machine: ref.lost.machine,
      lostAt,
      ...(ref.recomputedBy ? { recomputedBy: ref.recomputedBy } : {}),
      message: `the result of "${taskId}" was lost with machine "${ref.lost.machine}" at ${lostAt} (its agent restarted without it); ${next}`,
    };
  }
  if (ref.evicted) return { kind: "evicted", message: `the result of "${taskId}" was evicted from "${ref.machine}" (${ref.evicted}); results.recompute rebuilds it from lineage` };
  if (machine && (!machine.link || !machine.resultUrl)) {
    const seen = machine.lastHeartbeatAt === null ? "" : ` (last seen ${new Date(machine.lastHeartbeatAt).toISOString()})`;
    return {
      kind: "machine_offline",
      message: `the result of "${taskId}" lives on "${machine.name}", which is offline${seen}: it is readable again if "${machine.name}" comes back with its store; results.recompute rebuilds it from lineage meanwhile`,
    };
  }
  return undefined;
}

function refusal(kind: string, taskId: string, machine: string): ResultFailure {
  if (kind === "evicted") return { kind: "evicted", message: `the result of "${taskId}" was evicted from "${machine}"` };
  return { kind: "not_found", message: `"${machine}" does not hold the result of "${taskId}"` };
}
