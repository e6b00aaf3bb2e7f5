"use client";
import { BaseEdge, EdgeLabelRenderer, getBezierPath, type EdgeProps } from "@xyflow/react";
import { memo } from "react";
import type { ArgEdge } from "../dag-editor/flow-types.ts";
import { formatBytes } from "../../lib/format.ts";
import { detourPoints, roundedPath } from "./edge-routes.ts";
import { useEdgeTransfer } from "./edge-transfers-context.ts";
import { useHighlightRole } from "./highlight-store.ts";
import { isLineageEdge } from "./lineage.ts";

/** A curve, or, when a card stands in its way, a right-angled detour along the corridor the canvas chose for it. */
function edgePath(props: Pick<EdgeProps<ArgEdge>, "sourceX" | "sourceY" | "targetX" | "targetY" | "sourcePosition" | "targetPosition">, corridorY: number | undefined): [string, number, number] {
  const { sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition } = props;
  if (corridorY === undefined) {
    const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
    return [path, labelX, labelY];
  }
  return [roundedPath(detourPoints({ x: sourceX, y: sourceY }, { x: targetX, y: targetY }, corridorY)), (sourceX + targetX) / 2, corridorY];
}

function ArgEdgeViewInner(props: EdgeProps<ArgEdge>) {
  const { id, source, target, data, selected, markerEnd } = props;
  const [path, labelX, labelY] = edgePath(props, data?.corridorY);
  const sourceRole = useHighlightRole(source);
  const targetRole = useHighlightRole(target);
  const isHighlighted = isLineageEdge(sourceRole, targetRole);
  const isDimmed = sourceRole !== undefined && !isHighlighted;
  const stroke = selected ? "var(--accent)" : isHighlighted ? "#3d5a99" : "#8f9bb0";
  const moved = useEdgeTransfer(source, target);
  const transforms = [data?.encode === undefined ? null : `enc ${data.encode.fn}`, data?.decode === undefined ? null : `dec ${data.decode.fn}`, moved === undefined ? null : `${formatBytes(moved.bytes)} ${moved.from}→${moved.to}`].filter((part) => part !== null);
  return (
    <>
      <BaseEdge
        id={id}
        path={path}
        markerEnd={markerEnd}
        className={isHighlighted ? "edge-lineage" : isDimmed ? "edge-dimmed" : undefined}
        style={{ stroke, strokeWidth: selected ? 2.2 : isHighlighted ? 2.4 : 1.5, opacity: isDimmed ? 0.18 : 1 }}
      />
      {transforms.length > 0 && (
        <EdgeLabelRenderer>
          <div className="edge-label" data-testid={moved === undefined ? undefined : `edge-moved-${source}-${target}`} style={{ position: "absolute", transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)`, pointerEvents: "all", opacity: isDimmed ? 0.3 : 1 }}>
            {transforms.join(" · ")}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
}

export const ArgEdgeView = memo(ArgEdgeViewInner);
