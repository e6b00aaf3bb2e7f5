"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type ChangeEvent } from "react";
import type { FunctionVersionsView, PushBundleInput } from "../../lib/trpc/api-types.ts";
import { useTRPC } from "../../lib/trpc/trpc.ts";

type Cell = FunctionVersionsView["functions"][number]["machines"][number];

const CELL_TEXT: Record<Cell["state"], string> = { current: "", other: "other code", missing: "missing", fetchable: "fetches on use" };

/** A bundle file `handoff functions bundle FILE.ts --out F.json` wrote; the server checks it again (shape and hashes). */
function readBundleFile(text: string): PushBundleInput | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return "not a bundle file (JSON): make one with handoff functions bundle FILE.ts --out FILE.json";
  }
  const bundle = parsed as Partial<PushBundleInput>;
  if (typeof bundle.source !== "string" || typeof bundle.code !== "string" || !Array.isArray(bundle.catalogue)) return "a bundle file has source, code and catalogue";
  return { source: bundle.source, code: bundle.code, catalogue: bundle.catalogue };
}

/**
 * The cluster's functions: which machine offers which version of each function (the shipped one, other code under the
 * same name, nothing), and for admins the upload of a bundle made by `handoff functions bundle` (the browser never
 * runs it, nor does the server).
 */
export function FunctionsPanel({ isAdmin }: { readonly isAdmin: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const versions = useQuery(trpc.functions.versions.queryOptions(undefined, { refetchInterval: 5_000 }));
  const [fileProblem, setFileProblem] = useState<string | null>(null);
  const push = useMutation(trpc.functions.push.mutationOptions({ onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.functions.versions.queryKey() }) }));

  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = "";
    if (file === undefined) return;
    setFileProblem(null);
    const bundle = readBundleFile(await file.text());
    if (typeof bundle === "string") return setFileProblem(`${file.name}: ${bundle}`);
    push.mutate(bundle);
  };

  const data = versions.data;
  return (
    <div className="panel" data-testid="functions-panel">
      <div className="machine-head">
        <strong>Functions</strong>
        <span className="muted">which machine offers which version; agents started with --fetch-functions load a pushed version when a run needs it</span>
      </div>
      <div className="panel-body stack">
        {isAdmin && (
          <label className="row muted">
            Push a bundle (<code>handoff functions bundle FILE.ts --out FILE.json</code>, or <code>handoff functions push FILE.ts</code>)
            <input type="file" accept=".json,application/json" onChange={(event) => void onFile(event)} disabled={push.isPending} data-testid="bundle-upload" />
          </label>
        )}
        {fileProblem !== null && <p className="notice">{fileProblem}</p>}
        {push.error !== null && (
          <p className="notice" data-testid="bundle-error">
            {push.error.message}
          </p>
        )}
        {push.data !== undefined && (
          <p className="notice notice-info" data-testid="bundle-pushed">
            {push.data.created ? "Pushed" : "Already there:"} <code>{push.data.hash.slice(0, 12)}</code> ({push.data.functions.map((fn) => fn.name).join(", ")})
          </p>
        )}
        {versions.error !== null && <p className="notice">{versions.error.message}</p>}
        {data !== undefined && data.functions.length === 0 && <p className="empty">No function besides the standard library.</p>}
        {data !== undefined && data.functions.length > 0 && <VersionMatrix data={data} />}
      </div>
    </div>
  );
}

function VersionMatrix({ data }: { readonly data: FunctionVersionsView }) {
  return (
    <div style={{ overflowX: "auto" }}>
      <table className="table" data-testid="function-matrix">
        <thead>
          <tr>
            <th>Function</th>
            <th>Shipped</th>
            {data.machines.map((machine) => (
              <th key={machine.name} title={machine.fetchesFunctions ? "loads shipped functions" : "offers only what is on its disk"}>
                {machine.name}
                {machine.fetchesFunctions ? " ⇣" : ""}
                {machine.status !== "online" ? ` (${machine.status})` : ""}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {data.functions.map((fn) => (
            <tr key={fn.name} data-testid={`function-row-${fn.name}`} className={fn.mismatched ? "row-mismatched" : undefined}>
              <td>
                <code>{fn.name}</code>
                {fn.mismatched && (
                  <span className="error" data-testid={`mismatch-${fn.name}`}>
                    {" "}
                    different code on different machines
                  </span>
                )}
              </td>
              <td className="mono" title={fn.shipped === null ? "never pushed" : `bundle ${fn.shipped.hash} (${fn.shipped.source})`}>
                {fn.shipped === null ? "—" : fn.shipped.codeHash.slice(0, 12)}
              </td>
              {fn.machines.map((cell) => (
                <td key={cell.machine} className={`mono fn-cell fn-${cell.state}`} data-testid={`cell-${fn.name}-${cell.machine}`} data-state={cell.state} title={cell.codeHash ?? CELL_TEXT[cell.state]}>
                  {cell.codeHash === null ? CELL_TEXT[cell.state] : `${cell.codeHash.slice(0, 12)}${cell.state === "other" ? " ≠" : ""}`}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
