// One-off figure, not a benchmark suite: a value larger than the consumer's memory budget fetched from a holder in
// another process (startResultServer + createResultFetcher with `materialize: false`, as for an input taken as a
// stream), straight to the consumer's disk. Prints wall time, each side's CPU time and peak RSS growth beside raw
// loopback TCP into a file (and with nothing kept) in the same run. Given several copies of the `results` folder, runs them interleaved (before/after).
// Run: npx tsx scripts/large-fetch.ts [rounds] [MiB] [budget MiB] [results dir ...]   (default: src/results)
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, readFileSync } from "node:fs";
import { mkdtemp, open, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { signGrant, type FetchProofSubject } from "@handoff/protocol/grant";
import { generateMachineKey, loadMachineKey, signFetchProof } from "@handoff/protocol/machine-identity";
import { rawTcpMiBs } from "../../../bench/src/support/raw-tcp.ts";
import type { createResultFetcher } from "../src/results/result-fetcher.ts";
import type { startResultServer } from "../src/results/result-server.ts";
import type { createResultStore } from "../src/results/result-store.ts";

const mib = 2 ** 20;
const secret = "large-fetch-script-secret-0123456789";
type Results = { createResultStore: typeof createResultStore; createResultFetcher: typeof createResultFetcher; startResultServer: typeof startResultServer };
const load = async (dir: string): Promise<Results> => ({
  ...((await import(pathToFileURL(join(dir, "result-store.ts")).href)) as Pick<Results, "createResultStore">),
  ...((await import(pathToFileURL(join(dir, "result-fetcher.ts")).href)) as Pick<Results, "createResultFetcher">),
  ...((await import(pathToFileURL(join(dir, "result-server.ts")).href)) as Pick<Results, "startResultServer">),
});

const procStatus = (pid: number, field: string): number => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? Number.NaN) / 1024;
const cpuMs = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
};

if (process.argv[2] === "--holder") {
  // The holder: a value of `size` bytes on disk in its store, served by its result server.
  const [, , , dir, sizeText, budgetText] = process.argv;
  const size = Number(sizeText);
  const { createResultStore, startResultServer } = await load(dir!);
  const home = await mkdtemp(join(tmpdir(), "handoff-large-holder-"));
  const store = createResultStore({ dir: home, memoryBudgetBytes: Number(budgetText) * mib, diskBudgetBytes: 64 * 2 ** 30, retentionMs: 3_600_000 });
  const path = store.spoolPath();
  const file = await open(path, "w");
  const chunk = Buffer.alloc(8 * mib);
  for (let offset = 0; offset < size; offset += chunk.byteLength) {
    for (let i = 0; i < chunk.byteLength; i += 4096) chunk[i] = (offset / 4096 + i) & 255;
    await file.write(chunk, 0, Math.min(chunk.byteLength, size - offset));
  }
  await file.close();
  await store.adoptFile("run", "blob", path, { contentType: "application/octet-stream" as never, size });
  const server = await startResultServer({ store, secret, machine: "a" });
  console.log(JSON.stringify({ url: server.url }));
  process.stdin.resume();
  process.stdin.once("end", () => void server.close().then(() => rm(home, { recursive: true, force: true })).then(() => process.exit(0)));
} else {
  const rounds = Math.max(1, Number(process.argv[2] ?? 3) || 3);
  const size = Math.max(1, Number(process.argv[3] ?? 1024) || 1024) * mib;
  const budget = Math.max(1, Number(process.argv[4] ?? 256) || 256);
  const dirs = process.argv.length > 5 ? process.argv.slice(5).map((dir) => resolve(dir)) : [resolve(import.meta.dirname, "../src/results")];
  const verify = process.env["HANDOFF_VERIFY"] === "1";
  const tsx = createRequire(import.meta.url).resolve("tsx");
  const consumer = loadMachineKey(generateMachineKey().privateKeyPem);
  const prove = (subject: FetchProofSubject): string => signFetchProof(consumer.privateKey, subject, Date.now());
  const figures = new Map<string, { mibs: number[]; holderCpu: number[]; consumerCpu: number[]; holderRss: number[]; consumerRss: number[] }>();
  const raw: number[] = [];

  const startHolder = async (dir: string): Promise<{ child: ChildProcess; url: string }> => {
    const child = spawn(process.execPath, ["--import", tsx, import.meta.filename, "--holder", dir, String(size), String(budget)], { stdio: ["pipe", "pipe", "inherit"] });
    const line = await new Promise<string>((done) => createInterface({ input: child.stdout }).once("line", done));
    return { child, url: (JSON.parse(line) as { url: string }).url };
  };

  for (let round = 1; round <= rounds; round++) {
    raw.push(await rawTcpMiBs(size, "file"));
    const wire = await rawTcpMiBs(size, "wire");
    console.log(`round ${round}: raw loopback TCP into a file ${raw.at(-1)!.toFixed(0)} MiB/s, nothing kept ${wire.toFixed(0)} MiB/s`);
    for (const dir of dirs) {
      const { createResultStore, createResultFetcher } = await load(dir);
      const { child, url } = await startHolder(dir);
      const home = await mkdtemp(join(tmpdir(), "handoff-large-consumer-"));
      const store = createResultStore({ dir: home, memoryBudgetBytes: budget * mib, diskBudgetBytes: 64 * 2 ** 30, retentionMs: 3_600_000 });
      const fetcher = createResultFetcher({ store, prove });
      const grant = signGrant(secret, { runId: "run", taskId: "blob", holder: "a", audience: "b", audienceKey: consumer.publicKey, expiresAt: Date.now() + 600_000 });
      const rssBefore = { holder: procStatus(child.pid!, "VmRSS"), consumer: procStatus(process.pid, "VmRSS") };
      const peak = { ...rssBefore };
      const sampler = setInterval(() => {
        peak.holder = Math.max(peak.holder, procStatus(child.pid!, "VmRSS"));
        peak.consumer = Math.max(peak.consumer, procStatus(process.pid, "VmRSS"));
      }, 20);
      const cpuBefore = { holder: cpuMs(child.pid!), consumer: cpuMs(process.pid) };
      const started = performance.now();
      const outcome = await fetcher.fetch({ url, runId: "run", taskId: "blob", grant, materialize: false });
      const ms = performance.now() - started;
      const cpu = { holder: cpuMs(child.pid!) - cpuBefore.holder, consumer: cpuMs(process.pid) - cpuBefore.consumer };
      clearInterval(sampler);
      if (!outcome.ok) throw new Error(`fetch refused: ${JSON.stringify(outcome.error)}`);
      const figure = figures.get(dir) ?? { mibs: [], holderCpu: [], consumerCpu: [], holderRss: [], consumerRss: [] };
      figures.set(dir, figure);
      figure.mibs.push(size / mib / (ms / 1000));
      figure.holderCpu.push(cpu.holder);
      figure.consumerCpu.push(cpu.consumer);
      figure.holderRss.push(peak.holder - rssBefore.holder);
      figure.consumerRss.push(peak.consumer - rssBefore.consumer);
      let check = "";
      if (verify) {
        const hash = createHash("sha256");
        for await (const chunk of createReadStream((await store.pathOf("run", "blob"))!)) hash.update(chunk as Buffer);
        check = ` sha256 ${hash.digest("hex").slice(0, 12)}`;
      }
      console.log(
        `  ${dir.split("/").slice(-2).join("/").padEnd(28)} ${(size / mib / (ms / 1000)).toFixed(0).padStart(5)} MiB/s (${ms.toFixed(0)} ms); CPU holder ${cpu.holder} ms, consumer ${cpu.consumer} ms; RSS growth holder ${(peak.holder - rssBefore.holder).toFixed(0)} MiB, consumer ${(peak.consumer - rssBefore.consumer).toFixed(0)} MiB${check}`,
      );
      child.stdin!.end();
      await new Promise((done) => child.once("exit", done));
      await rm(home, { recursive: true, force: true });
    }
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  console.log(`\nmedians over ${rounds} rounds (${size / mib} MiB, ${budget} MiB budget; load ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}): raw TCP into a file ${median(raw).toFixed(0)} MiB/s`);
  for (const [dir, f] of figures) {
    console.log(
      `  ${dir.split("/").slice(-2).join("/").padEnd(28)} ${median(f.mibs).toFixed(0)} MiB/s (ratio ${(median(f.mibs) / median(raw)).toFixed(2)}); CPU holder ${median(f.holderCpu)} ms, consumer ${median(f.consumerCpu)} ms; RSS growth holder ${median(f.holderRss).toFixed(0)}, consumer ${median(f.consumerRss).toFixed(0)} MiB`,
    );
  }
}
