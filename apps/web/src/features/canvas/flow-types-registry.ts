"use client";
import type { EdgeTypes, NodeTypes } from "@xyflow/react";
import { ArgEdgeView } from "./arg-edge-view.tsx";
import { TaskNodeView } from "./task-node-view.tsx";

// Defined once at module level: React Flow re-mounts every node when these objects change identity.
export const nodeTypes: NodeTypes = { task: TaskNodeView };
export const edgeTypes: EdgeTypes = { arg: ArgEdgeView };
