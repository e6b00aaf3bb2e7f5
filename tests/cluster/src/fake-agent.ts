import { io, type Socket } from "socket.io-client";

/**
 * A raw socket.io client that speaks the agent protocol by hand: the attacker of the security tests (a
 * machine holding only a join token, announcing whatever it likes). Real sockets, no server internals.
 */
export interface FakeAgent {
  readonly socket: Socket;
  /** The server's answer to the hello: `{ ok: true, welcome }` or `{ ok: false, error }`. */
  readonly answer: { ok: boolean; error?: { kind: string; message: string } };
  close(): void;
}

export async function connectFakeAgent(url: string, token: string, hello: Record<string, unknown>): Promise<FakeAgent> {
  const socket = io(url, { path: "/socket.io", auth: { token }, transports: ["websocket"], reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  const answer = (await socket.timeout(30_000).emitWithAck("agent:hello", { v: 1, functions: [], agentVersion: "fake", running: [], ...hello })) as FakeAgent["answer"];
  return { socket, answer, close: () => void socket.disconnect() };
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
