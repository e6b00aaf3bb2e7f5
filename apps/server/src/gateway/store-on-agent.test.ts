import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { PROTOCOL_VERSION, type ResultPut } from "@handoff/protocol";
import { Server } from "socket.io";
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import { createAgentLink, type AgentLink } from "./agent-link.ts";
import type { AgentServer } from "./agent-socket.ts";
import { storeOnAgent } from "./store-on-agent.ts";

type Peer = { link: AgentLink; client: ClientSocket; close(): Promise<void> };

/** A real socket.io server holding the link, and a real client standing in for an agent that answers `result:put` with `answer`. */
async function linkToPeer(answer: (payload: unknown, ack: (reply: unknown) => void) => void): Promise<Peer> {
  const http = createServer();
  const io: AgentServer = new Server(http, { path: "/socket.io", transports: ["websocket"] });
  const linked = new Promise<AgentLink>((resolve) => io.on("connection", (socket) => resolve(createAgentLink(socket))));
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  const client = connect(`http://127.0.0.1:${port}`, { path: "/socket.io", transports: ["websocket"], reconnection: false });
  client.on("result:put", answer);
  const link = await linked;
  return {
    link,
    client,
    close: async () => {
      client.disconnect();
      await io.close();
    },
  };
}

const put: ResultPut = { v: PROTOCOL_VERSION, runId: "run-1", taskId: "t", value: { n: 1 } };
const goodResult = { size: 7, contentType: "application/json", preview: '{"n":1}', truncated: false };
let peer: Peer | undefined;

afterEach(async () => {
  await peer?.close();
  peer = undefined;
});

describe("when the server asks an agent to store a value over a real socket", () => {
  it("reads a well-formed reply and passes on the payload it sent", async () => {
    const received: unknown[] = [];
    peer = await linkToPeer((payload, ack) => {
      received.push(payload);
      ack({ ok: true, result: goodResult });
    });
    expect(await storeOnAgent(peer.link, "machine-a", put, 5_000)).toEqual({ ok: true, result: goodResult });
    expect(received).toEqual([put]);
  });

  it("refuses a malformed reply with an error naming the machine, the event and the field", async () => {
    peer = await linkToPeer((_payload, ack) => ack({ ok: true, result: { ...goodResult, size: "seven" } }));
    const stored = await storeOnAgent(peer.link, "machine-a", put, 5_000);
    expect(stored).toEqual({ ok: false, message: '"machine-a" gave a bad answer: the reply to result:put is malformed: result.size: expected number, got string' });
  });

  it("refuses a reply that is not an object at all", async () => {
    peer = await linkToPeer((_payload, ack) => ack("stored!"));
    const stored = await storeOnAgent(peer.link, "machine-a", put, 5_000);
    expect(stored.ok).toBe(false);
    expect(!stored.ok && stored.message).toMatch(/^"machine-a" gave a bad answer: the reply to result:put is malformed: /);
  });

  it("passes on the agent's refusal with its reason", async () => {
    peer = await linkToPeer((_payload, ack) => ack({ ok: false, error: { kind: "invalid_message", message: "disk full" } }));
    expect(await storeOnAgent(peer.link, "machine-a", put, 5_000)).toEqual({ ok: false, message: '"machine-a" refused the value: disk full' });
  });

  it("names the silence of an agent that never answers", async () => {
    peer = await linkToPeer(() => undefined);
    expect(await storeOnAgent(peer.link, "machine-a", put, 200)).toEqual({ ok: false, message: '"machine-a" did not answer result:put within 200 ms' });
  });
});
