import { Position, type InternalNode, type NodeHandle } from "@xyflow/react";
import { OUTPUT_HANDLE } from "../dag-editor/flow-types.ts";
import { PORT_SPACING } from "./overview.ts";

/** A handle's size (globals.css `.react-flow__handle`, border-box). */
const HANDLE_SIZE = 9;

type Size = { readonly width: number; readonly height: number };
type Lookup = ReadonlyMap<string, Pick<InternalNode, "internals">>;

/**
 * The handles a card has, handed to React Flow with the node (its `handles`), so that a card React Flow
 * never measured counts as initialised. React Flow renders every node it holds without handle bounds,
 * visible or not, to measure it: a large DAG's 1,000 cards came back from the painted overview (which
 * hands React Flow no nodes, so it forgets what it measured) by mounting all 1,000 of them and unmounting
 * 988 after measuring (2.9 s of main-thread time after a click that jumped to one task). With its handles
 * known, a card outside the view stays unmounted, and its edges end where its handles will be.
 *
 * The handles React Flow last measured (`lookup`, its nodeLookup) when it has them; otherwise where the CSS
 * puts them (input ports on the left side, `PORT_SPACING` apart; the output halfway down the right side) on
 * a card of `size`. React Flow measures a card's handles from the DOM whenever the card mounts (its resize
 * observer forces it), so a card in view is always drawn from its measured handles.
 * @example cardHandles("t1", ["in-0"], { width: 200, height: 64 }, new Map()) // [{ id: "in-0", type: "target", … }, { id: "out", type: "source", … }]
 */
export function cardHandles(id: string, portIds: readonly string[], size: Size, lookup: Lookup): NodeHandle[] {
  const measured = measuredHandles(id, lookup);
  if (measured !== undefined) return measured;
  const half = HANDLE_SIZE / 2;
  return [
    ...portIds.map((portId, index): NodeHandle => ({ id: portId, type: "target", position: Position.Left, x: -half, y: (index + 1) * PORT_SPACING + 4 - half, width: HANDLE_SIZE, height: HANDLE_SIZE })),
    { id: OUTPUT_HANDLE, type: "source", position: Position.Right, x: size.width - half, y: size.height / 2 - half, width: HANDLE_SIZE, height: HANDLE_SIZE },
  ];
}

/** The handles React Flow last measured on card `id` (undefined when it holds none for it). */
export function measuredHandles(id: string, lookup: Lookup): NodeHandle[] | undefined {
  const bounds = lookup.get(id)?.internals.handleBounds;
  return bounds === undefined ? undefined : [...(bounds.target ?? []), ...(bounds.source ?? [])];
}

/**
 * `next` where a node is a new object (a change React Flow reported, a selection) with the handles React Flow
 * measured on it: a node's `handles` win over React Flow's own measurement whenever it is handed a new node
 * object, so one built from a node that carried `cardHandles`' estimate must not carry the estimate on.
 */
export function withMeasuredHandles<N extends { id: string; handles?: NodeHandle[] }>(next: N[], previous: readonly N[], lookup: Lookup): N[] {
  return next.map((node, index) => {
    if (node === previous[index] || node.handles === undefined) return node;
    const handles = measuredHandles(node.id, lookup);
    return handles === undefined ? node : { ...node, handles };
  });
}
