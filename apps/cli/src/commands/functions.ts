import { writeFileSync } from "node:fs";
import { bundleFunctionModule, BundleError } from "@handoff/agent";
import { asksForHelp, HelpRequest, parseFlags, UsageError } from "../args.ts";
import { connect } from "../connect.ts";
import { table } from "../table.ts";

const usage = `handoff functions push FILE.ts              bundle a function module with its imports and store it on the server
                                            (admins); agents started with --fetch-functions load it when a run needs it
handoff functions bundle FILE.ts --out F.json  bundle only: write { source, code, catalogue } for the dashboard's upload
handoff functions list                      pushed bundles, newest first
handoff functions versions                  which machine offers which version of each function
The module is bundled here (esbuild) and loaded here to read its catalogue; the server never runs it. Native
dependencies (.node addons, node-gyp packages) are refused.
(push, list and versions take [--server URL] [--token TOKEN])`;

const flags = { server: { type: "string" }, token: { type: "string" }, "data-dir": { type: "string" }, out: { type: "string" } } as const;

async function bundleOrExplain(file: string) {
  try {
    return await bundleFunctionModule(file);
  } catch (error) {
    if (error instanceof BundleError) throw new UsageError(error.message);
    throw error;
  }
}

export async function functions(argv: readonly string[]): Promise<number> {
  if (asksForHelp(argv)) throw new HelpRequest(usage);
  const [sub, ...rest] = argv;
  const { values, positionals } = parseFlags(rest, flags, usage);
  switch (sub) {
    case "push":
    case "bundle": {
      const [file, ...more] = positionals;
      if (!file || more.length > 0) throw new UsageError(`${sub} needs exactly one FILE\n\n${usage}`);
      if (sub === "bundle" && values.out === undefined) throw new UsageError(`bundle needs --out FILE.json\n\n${usage}`);
      const bundle = await bundleOrExplain(file);
      const names = bundle.catalogue.map((fn) => fn.name).join(", ");
      if (sub === "bundle") {
        writeFileSync(values.out as string, JSON.stringify({ source: bundle.source, code: bundle.code, catalogue: bundle.catalogue }));
        console.log(`bundled ${file} (${bundle.code.length} bytes, sha256 ${bundle.hash}) into ${values.out}: ${names}`);
        return 0;
      }
      const pushed = await connect(values).trpc.functions.push.mutate({ source: bundle.source, code: bundle.code, catalogue: bundle.catalogue });
      console.log(`${pushed.created ? "pushed" : "already there:"} ${bundle.source} as ${pushed.hash} (${pushed.size} bytes): ${names}`);
      return 0;
    }
    case "list": {
      const list = await connect(values).trpc.functions.list.query();
      console.log(
        table(
          ["bundle", "file", "bytes", "pushed", "by", "functions"],
          list.map((bundle) => [bundle.hash.slice(0, 12), bundle.source, String(bundle.size), bundle.createdAt, bundle.createdBy ?? "", bundle.functions.map((fn) => `${fn.fn.name}${fn.current ? "" : " (replaced)"}`).join(", ")]),
        ),
      );
      return 0;
    }
    case "versions": {
      const matrix = await connect(values).trpc.functions.versions.query();
      const header = ["function", "shipped", ...matrix.machines.map((machine) => `${machine.name}${machine.fetchesFunctions ? " (fetches)" : ""}`)];
      const rows = matrix.functions.map((fn) => [
        `${fn.name}${fn.mismatched ? " !" : ""}`,
        fn.shipped === null ? "" : fn.shipped.codeHash.slice(0, 12),
        ...fn.machines.map((cell) => (cell.codeHash === null ? cell.state : `${cell.codeHash.slice(0, 12)}${cell.state === "other" ? " (other)" : ""}`)),
      ]);
      console.log(table(header, rows));
      return 0;
    }
    case undefined:
    default:
      throw new UsageError(`unknown functions command "${sub ?? ""}"\n\n${usage}`);
  }
}
