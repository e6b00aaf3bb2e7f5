import { z } from "zod";
import { PlacementExplanationOutput } from "../routers/placement-explanation.ts";
import { DagFile, FunctionMeta } from "@handoff/protocol";
import { TokenKind } from "@handoff/db";
import { AuditKinds } from "../services/audit.ts";
import { DagProblemOut, IsoDateTime, ResourcesOut, ResultReferenceOut } from "./shared-outputs.ts";

/** A machine as the API shows it (`MachineView`). */
export const MachineOut = z.object({
  name: z.string(),
  status: z.enum(["online", "offline", "draining"]),
  capacity: ResourcesOut,
  claimed: ResourcesOut,
  free: ResourcesOut,
  labels: z.record(z.string(), z.string()),
  functions: z.array(FunctionMeta),
  lastHeartbeatAt: IsoDateTime.nullable(),
  agentVersion: z.string().nullable(),
  resultUrl: z.string().nullable(),
  cpuPercent: z.number().nullable(),
  memoryUsedMb: z.number().nullable(),
  memoryTotalMb: z.number().nullable(),
  runningAttempts: z.number(),
  local: z.boolean(),
});

export const CatalogueOut = z.array(z.object({ fn: FunctionMeta, machines: z.array(z.string()) }));

export const LoadHistoryOut = z.object({
  machines: z.array(
    z.object({
      name: z.string(),
      samples: z.array(
        z.object({
          at: z.number().describe("epoch ms"),
          capacity: ResourcesOut,
          claimed: ResourcesOut,
          cpuPercent: z.number().nullable(),
          memoryUsedMb: z.number().nullable(),
          memoryTotalMb: z.number().nullable(),
          running: z.number(),
        }),
      ),
    }),
  ),
  /** With `cluster: true`: the online machines' sums at each sampling instant (CPU is their mean). */
  cluster: z
    .array(
      z.object({
        at: z.number().describe("epoch ms"),
        online: z.number(),
        capacity: ResourcesOut,
        claimed: ResourcesOut,
        cpuPercent: z.number().nullable(),
        memoryUsedMb: z.number(),
        memoryTotalMb: z.number(),
        running: z.number(),
      }),
    )
    .optional(),
});

export const DagCheckOut = z.object({
  problems: z.array(DagProblemOut),
  placement: z
    .record(z.string(), z.object({ machine: z.string().nullable(), reason: z.string().optional(), explanation: PlacementExplanationOutput.optional() }))
    .describe("task id → where it would start now, and why (the explanation the scheduler would record)"),
});

export const SavedDagOut = z.object({ name: z.string(), version: z.number() });

export const DagListOut = z.object({
  items: z.array(z.object({ name: z.string(), description: z.string(), latestVersion: z.number(), updatedAt: IsoDateTime })),
  nextCursor: z.string().nullable(),
});

export const DagVersionsOut = z.array(z.object({ version: z.number(), createdAt: IsoDateTime, createdBy: z.string().nullable() }));

export const DagOut = z.object({ name: z.string(), version: z.number(), file: DagFile });

export const ResultValueOut = z.object({
  value: z.unknown().describe("the value as JSON (bytes as `{ $bytes: base64 }`)"),
  size: z.number(),
  machine: z.string(),
});

export { ResultReferenceOut };

const Kind = z.enum(TokenKind);

export const TokenOut = z.object({
  id: z.string(),
  name: z.string(),
  kind: Kind,
  createdAt: IsoDateTime,
  lastUsedAt: IsoDateTime.nullable(),
  revokedAt: IsoDateTime.nullable(),
  expiresAt: IsoDateTime.nullable(),
  createdBy: z.string().nullable(),
});

export const CreatedTokenOut = z.object({ id: z.string(), token: z.string().describe("shown once; only its hash is stored"), expiresAt: IsoDateTime.nullable() });

export const AuditPageOut = z.object({
  events: z.array(
    z.object({
      id: z.string(),
      at: IsoDateTime,
      kind: z.string(),
      actorTokenId: z.string().nullable(),
      actorName: z.string().nullable(),
      ip: z.string().nullable(),
      details: z.record(z.string(), z.unknown()),
    }),
  ),
  nextCursor: z.string().nullable(),
  kinds: z.array(z.enum(AuditKinds)),
});

export const OkOut = z.object({ ok: z.literal(true) });
