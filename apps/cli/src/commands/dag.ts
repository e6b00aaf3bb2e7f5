import { readFileSync, writeFileSync } from "node:fs";
import { exportDagCode, findJsonSyntaxError, formatDagCodeProblem, importDagCode } from "@handoff/dag-code";
import { parseDagFile, type DagFile } from "@handoff/protocol";
import { parseFlags, UsageError } from "../args.ts";

const dagUsage = `handoff dag export DAG.json [-o OUT.ts]   write the DAG as TypeScript SDK code (stdout without -o)
handoff dag import DAG.ts [-o OUT.json]   read such a module back into a DAG file: it is parsed, never run
Bad input is named by file, line and column; nothing is written then.`;

/** `handoff dag export|import`: a DAG file as SDK code and back (see @handoff/dag-code). */
export function dag(argv: readonly string[]): number {
  const [sub, ...rest] = argv;
  if (sub === "--help" || sub === "-h" || sub === "help") {
    console.log(dagUsage);
    return 0;
  }
  if (sub !== "export" && sub !== "import") throw new UsageError(`${sub === undefined ? "a dag command is needed" : `unknown dag command "${sub}"`}\n\n${dagUsage}`);
  const { values, positionals } = parseFlags(rest, { output: { type: "string", short: "o" } }, dagUsage);
  const [file] = positionals;
  if (file === undefined || positionals.length > 1) throw new UsageError(`expected exactly one ${sub === "export" ? "DAG file (.json)" : "module (.ts)"}\n\n${dagUsage}`);
  const text = readText(file);
  const output = sub === "export" ? exportDagCode(readDagJson(file, text)) : `${JSON.stringify(readDagCode(file, text), null, 2)}\n`;
  if (values.output === undefined) process.stdout.write(output);
  else {
    writeFileSync(values.output, output);
    console.log(`wrote ${values.output}`);
  }
  return 0;
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(`${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function readDagJson(file: string, text: string): DagFile {
  const syntax = findJsonSyntaxError(text);
  if (syntax !== null) throw new UsageError(`${syntax.at === null ? file : `${file}:${syntax.at.line}:${syntax.at.column}`}: not valid JSON: ${syntax.message}`);
  const parsed = parseDagFile(JSON.parse(text));
  if (!parsed.ok) throw new UsageError(`${file} is not a valid DAG file:\n${parsed.issues.map((issue) => `  ${issue.path}: ${issue.message}`).join("\n")}`);
  return parsed.dag;
}

function readDagCode(file: string, text: string): DagFile {
  const read = importDagCode(text, file);
  if (!read.ok) throw new UsageError(read.problems.map((problem) => formatDagCodeProblem(problem, file)).join("\n"));
  return read.dag;
}
