"use client";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "../../lib/trpc/trpc.ts";

/** "Add a machine": a fresh join token and the shell line that starts an agent pointed at this server. */
export function AddMachinePanel() {
  const trpc = useTRPC();
  const join = useMutation(trpc.machines.joinCommand.mutationOptions());
  const [copied, setCopied] = useState(false);
  const copy = async (text: string) => {
    await navigator.clipboard.writeText(text).catch(() => undefined);
    setCopied(true);
    setTimeout(() => setCopied(false), 2_000);
  };
  return (
    <div className="panel panel-body stack" data-testid="add-machine">
      <div className="row">
        <h2 style={{ margin: 0 }}>Add a machine</h2>
        <span className="spacer" />
        <button type="button" className="btn btn-primary btn-small" disabled={join.isPending} onClick={() => join.mutate()} data-testid="join-command">
          {join.data === undefined ? "Create join command" : "New token"}
        </button>
      </div>
      <p className="muted" style={{ margin: 0 }}>
        Run this on the new machine (Node 20). It starts an agent that registers its capacity and functions with this server. Each click makes a fresh join token.
      </p>
      {join.error !== null && <p className="notice">{join.error.message}</p>}
      {join.data !== undefined && (
        <div className="command">
          <pre data-testid="join-command-text">{join.data.command}</pre>
          <button type="button" className="btn" onClick={() => void copy(join.data.command)}>
            {copied ? "Copied" : "Copy"}
          </button>
        </div>
      )}
    </div>
  );
}
