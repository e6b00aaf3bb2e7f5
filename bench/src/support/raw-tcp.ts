import { spawn } from "node:child_process";
import { createServer } from "node:net";

/**
 * Raw loopback TCP, the transfer benches' baseline: a child Node process writes `bytes` to a socket in 1 MiB writes;
 * timed from the first byte received to the last (MiB/s).
 */
export async function rawTcpMiBs(bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let received = 0;
    let started = 0n;
    const server = createServer((socket) => {
      socket.on("data", (chunk: Buffer) => {
        if (received === 0) started = process.hrtime.bigint();
        received += chunk.byteLength;
        if (received >= bytes) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          socket.destroy();
          server.close();
          resolve(bytes / 2 ** 20 / seconds);
        }
      });
    });
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      const child = spawn(
        process.execPath,
        [
          "-e",
          `const s=require("net").connect(${port},"127.0.0.1",()=>{const c=Buffer.alloc(1<<20,7);let left=${bytes};const w=()=>{while(left>0){left-=c.length;if(!s.write(c)){s.once("drain",w);return;}}s.end();};w();});`,
        ],
        { stdio: "inherit" },
      );
      child.once("error", reject);
    });
  });
}
