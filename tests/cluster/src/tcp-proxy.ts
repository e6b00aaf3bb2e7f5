import { createServer, connect, type Socket } from "node:net";

export interface TcpProxy {
  /** The proxy's address, for a URL's host:port. */
  readonly port: number;
  /** Every connection through it ends now, and new ones are closed as they arrive (the far end looks unreachable). */
  cut(): void;
  /** New connections go through again. */
  restore(): void;
  /** How many connections were made through it, cut or not (a client retrying shows up here). */
  readonly accepted: () => number;
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 to `host:port` that a test can cut and restore: the replicas' Redis, say, failing mid-run
 * while the Redis server itself (shared by every test) keeps running.
 * @example const proxy = await startTcpProxy("127.0.0.1", 6379); … proxy.cut(); … proxy.restore();
 */
export async function startTcpProxy(host: string, port: number): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let isCut = false;
  let accepted = 0;
  const server = createServer((client) => {
    accepted++;
    if (isCut) return void client.destroy();
    const upstream = connect({ host, port });
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on("close", () => open.delete(socket));
      socket.on("error", () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the proxy has no port");
  return {
    port: address.port,
    cut() {
      isCut = true;
      for (const socket of open) socket.destroy();
    },
    restore() {
      isCut = false;
    },
    accepted: () => accepted,
    close: () =>
      new Promise((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
