import { generateMachineKey, loadMachineKey, signFetchProof, signHelloProof } from "@handoff/protocol/machine-identity";
import type { KeyObject } from "node:crypto";
import { io, type Socket } from "socket.io-client";

/**
 * A hand-driven agent over a real socket.io connection: it says exactly the hello a test writes (an attacker's view of
 * the wire), with a real Ed25519 identity unless the test forges one.
 */
export interface FakeAgent {
  readonly socket: Socket;
  readonly publicKey: string;
  readonly privateKey: KeyObject;
  /** `agent:challenge` → the nonce and context for the next hello. */
  challenge(): Promise<{ nonce: string; context: string }>;
  /** Sends `agent:hello` as given and answers the server's ack. */
  sendHello(hello: Record<string, unknown>): Promise<{ ok: boolean; error?: { kind: string; message: string }; welcome?: { grantSecret: string } }>;
  /** A valid hello for `name`: asks for a challenge and signs it. */
  hello(name: string, fields?: Record<string, unknown>): Promise<{ ok: boolean; error?: { kind: string; message: string }; welcome?: { grantSecret: string }; sent: Record<string, unknown> }>;
  /** The `X-Handoff-Proof` this identity gives for fetching with these grants. */
  prove(grants: readonly string[]): string;
  close(): void;
}

export async function connectFakeAgent(url: string, token: string | undefined): Promise<FakeAgent> {
  const key = loadMachineKey(generateMachineKey().privateKeyPem);
  const socket = io(url, { path: "/socket.io", transports: ["websocket"], reconnection: false, auth: token === undefined ? {} : { token } });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  const fake: FakeAgent = {
    socket,
    publicKey: key.publicKey,
    privateKey: key.privateKey,
    challenge: async () => (await socket.timeout(10_000).emitWithAck("agent:challenge", { v: 1 })) as { nonce: string; context: string },
    sendHello: async (hello) => (await socket.timeout(20_000).emitWithAck("agent:hello", hello)) as Awaited<ReturnType<FakeAgent["sendHello"]>>,
    async hello(name, fields = {}) {
      const { nonce, context } = await fake.challenge();
      const sent = {
        v: 1,
        name,
        capacity: { slots: 1 },
        functions: [],
        agentVersion: "fake",
        resultUrl: "http://127.0.0.1:9",
        identity: { publicKey: key.publicKey, signature: signHelloProof(key.privateKey, { context, nonce, name }) },
        ...fields,
      };
      return { ...(await fake.sendHello(sent)), sent };
    },
    prove: (grants) => signFetchProof(key.privateKey, { grants }, Date.now()),
    close: () => void socket.disconnect(),
  };
  return fake;
}

/** Answers every assignment at once as succeeded, with the given result metadata. */
export function succeedEveryAssignment(socket: Socket, result: (taskId: string) => { size: number; contentType: string; preview: string; truncated: boolean }): void {
  socket.on("task:assign", (payload: { items: { attemptId: string; taskId: string }[] }) => {
    socket.emit("task:finished", {
      v: 1,
      items: payload.items.map((item) => ({ ok: true, attemptId: item.attemptId, result: result(item.taskId), metrics: { wallMs: 1 } })),
    });
  });
}
