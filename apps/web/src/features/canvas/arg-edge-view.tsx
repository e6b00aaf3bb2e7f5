"use client";
import { BaseEdge, EdgeLabelRenderer, getBezierPath, type EdgeProps } from "@xyflow/react";
import { memo } from "react";
import type { ArgEdge } from "../dag-editor/flow-types.ts";

function ArgEdgeViewInner({ id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, data, selected, markerEnd }: EdgeProps<ArgEdge>) {
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  const transforms = [data?.encode === undefined ? null : `enc ${data.encode.fn}`, data?.decode === undefined ? null : `dec ${data.decode.fn}`].filter((part) => part !== null);
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} style={{ stroke: selected ? "var(--accent)" : "#8f9bb0", strokeWidth: selected ? 2.2 : 1.5 }} />
      {transforms.length > 0 && (
        <EdgeLabelRenderer>
          <div className="edge-label" style={{ position: "absolute", transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)`, pointerEvents: "all" }}>
            {transforms.join(" · ")}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
}

export const ArgEdgeView = memo(ArgEdgeViewInner);

