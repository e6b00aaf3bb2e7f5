"use client";
import { createContext, useContext } from "react";

/** Bytes an edge (producer → consumer) moved between two machines in a run. */
export interface EdgeTransferLabel {
  readonly bytes: number;
  readonly from: string;
  readonly to: string;
}

const NONE: ReadonlyMap<string, EdgeTransferLabel> = new Map();

/** The run view's moved bytes per edge, keyed `producer\u0000consumer` (empty in the editor). */
export const EdgeTransfersContext = createContext<ReadonlyMap<string, EdgeTransferLabel>>(NONE);

export function useEdgeTransfer(source: string, target: string): EdgeTransferLabel | undefined {
  return useContext(EdgeTransfersContext).get(`${source}\u0000${target}`);
}
