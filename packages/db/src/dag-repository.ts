import { randomUUID } from "node:crypto";
import type { DatabaseClient } from "./database-client.ts";
import { isUniqueViolation } from "./is-unique-violation.ts";
import { fromJsonColumn, toJsonColumn } from "./json-column.ts";
import type { Dag, DagVersion } from "./generated/sqlite/client.ts";

export interface DagRecord {
  id: string;
  name: string;
  description: string;
  latestVersion: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface DagVersionRecord {
  dagId: string;
  version: number;
  /** The DAG file as saved (parse it at the edge). */
  spec: unknown;
  createdBy: string | null;
  createdAt: Date;
}

export interface NewDag {
  name: string;
  description?: string;
  /** Saved as version 1. */
  spec: unknown;
  createdBy: string | null;
}

export type CreateDagResult =
  | { kind: "created"; dag: DagRecord; version: DagVersionRecord }
  | { kind: "name_taken"; name: string };

export type SaveDagVersionResult =
  | { kind: "saved"; dag: DagRecord; version: DagVersionRecord }
  | { kind: "not_found"; dagId: string };

export interface DagRepository {
  create(dag: NewDag): Promise<CreateDagResult>;
  /** Version = latest + 1, allocated and written in one transaction, so concurrent saves never collide. */
  saveVersion(dagId: string, version: { spec: unknown; createdBy: string | null; description?: string }): Promise<SaveDagVersionResult>;
  get(dagId: string): Promise<DagRecord | undefined>;
  getByName(name: string): Promise<DagRecord | undefined>;
  list(): Promise<DagRecord[]>;
  /** Newest first. */
  listVersions(dagId: string): Promise<DagVersionRecord[]>;
  /** Without `version`, the latest one. */
  getVersion(dagId: string, version?: number): Promise<DagVersionRecord | undefined>;
  remove(dagId: string): Promise<boolean>;
}

function toVersionRecord(row: DagVersion): DagVersionRecord {
  return { ...row, spec: fromJsonColumn(row.spec) };
}

const toDagRecord = (row: Dag): DagRecord => ({ ...row });

/**
 * Storage of named, versioned DAGs.
 * @example
 * const dags = createDagRepository(client);
 * const created = await dags.create({ name: "etl", spec, createdBy: "alice" });
 * if (created.kind === "created") await dags.saveVersion(created.dag.id, { spec: next, createdBy: "alice" });
 */
export function createDagRepository(client: DatabaseClient): DagRepository {
  return {
    async create(dag) {
      const id = randomUUID();
      try {
        const [dagRow, versionRow] = await client.$transaction([
          client.dag.create({
            data: { id, name: dag.name, description: dag.description ?? "", latestVersion: 1 },
          }),
          client.dagVersion.create({
            data: { dagId: id, version: 1, spec: toJsonColumn(dag.spec), createdBy: dag.createdBy },
          }),
        ]);
        return { kind: "created", dag: toDagRecord(dagRow), version: toVersionRecord(versionRow) };
      } catch (error) {
        if (isUniqueViolation(error)) return { kind: "name_taken", name: dag.name };
        throw error;
      }
    },

    async saveVersion(dagId, version) {
      return client.$transaction(async (tx) => {
        // The increment takes the row lock first (PostgreSQL) / the write lock (SQLite): no two saves get one number.
        const { count } = await tx.dag.updateMany({
          where: { id: dagId },
          data: {
            latestVersion: { increment: 1 },
            ...(version.description === undefined ? {} : { description: version.description }),
          },
        });
        if (count === 0) return { kind: "not_found", dagId } as const;
        const dagRow = await tx.dag.findUniqueOrThrow({ where: { id: dagId } });
        const versionRow = await tx.dagVersion.create({
          data: {
            dagId,
            version: dagRow.latestVersion,
            spec: toJsonColumn(version.spec),
            createdBy: version.createdBy,
          },
        });
        return { kind: "saved", dag: toDagRecord(dagRow), version: toVersionRecord(versionRow) } as const;
      });
    },

    async get(dagId) {
      const row = await client.dag.findUnique({ where: { id: dagId } });
      return row === null ? undefined : toDagRecord(row);
    },

    async getByName(name) {
      const row = await client.dag.findUnique({ where: { name } });
      return row === null ? undefined : toDagRecord(row);
    },

    async list() {
      const rows = await client.dag.findMany({ orderBy: { name: "asc" } });
      return rows.map(toDagRecord);
    },

    async listVersions(dagId) {
      const rows = await client.dagVersion.findMany({ where: { dagId }, orderBy: { version: "desc" } });
      return rows.map(toVersionRecord);
    },

    async getVersion(dagId, version) {
      const row =
        version === undefined
          ? await client.dagVersion.findFirst({ where: { dagId }, orderBy: { version: "desc" } })
          : await client.dagVersion.findUnique({ where: { dagId_version: { dagId, version } } });
      return row === null ? undefined : toVersionRecord(row);
    },

    async remove(dagId) {
      const { count } = await client.dag.deleteMany({ where: { id: dagId } });
      return count > 0;
    },
  };
}
