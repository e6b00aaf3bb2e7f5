import type { DatabaseClient } from "./database-client.ts";
import { isUniqueViolation } from "./is-unique-violation.ts";
import { fromJsonColumn, toJsonColumn } from "./json-column.ts";

/** A pushed function bundle without its code: what lists and the cluster page need. */
export interface FunctionBundleMeta {
  hash: string;
  size: number;
  /** The functions it defines (FunctionMeta-shaped, validated at push), sorted by name. */
  catalogue: unknown[];
  source: string;
  createdAt: Date;
  createdBy: string | null;
}

export interface FunctionBundleRepository {
  /** Stores a bundle under its hash; pushing the same bytes again changes nothing (`created: false`). */
  put(bundle: { hash: string; code: string; size: number; catalogue: readonly unknown[]; source: string; by: string | null }): Promise<{ created: boolean }>;
  /** The bundle's code, as stored (the agent checks its hash; the server never runs it). */
  code(hash: string): Promise<string | undefined>;
  /** Every bundle's metadata, newest first, at most `limit`. */
  list(limit: number): Promise<FunctionBundleMeta[]>;
}

const META = { hash: true, size: true, catalogue: true, source: true, createdAt: true, createdBy: true } as const;

/**
 * Function bundles by the SHA-256 of their bytes (issue #17): the server stores them and hands them to agents.
 * @example
 * await bundles.put({ hash, code, size: code.length, catalogue, source: "fns.ts", by: "admin" });
 * (await bundles.list(100))[0].hash === hash
 */
export function createFunctionBundleRepository(client: DatabaseClient): FunctionBundleRepository {
  return {
    async put({ hash, code, size, catalogue, source, by }) {
      // Stored by hash: the same bytes pushed again (or twice at once) are already there.
      try {
        await client.functionBundle.create({ data: { hash, code, size, catalogue: toJsonColumn(catalogue), source, createdAt: new Date(), createdBy: by } });
        return { created: true };
      } catch (error) {
        if (isUniqueViolation(error)) return { created: false };
        throw error;
      }
    },
    async code(hash) {
      const row = await client.functionBundle.findUnique({ where: { hash }, select: { code: true } });
      return row?.code;
    },
    async list(limit) {
      const rows = await client.functionBundle.findMany({ select: META, orderBy: [{ createdAt: "desc" }, { hash: "asc" }], take: limit });
      return rows.map((row) => ({ ...row, catalogue: asArray(fromJsonColumn(row.catalogue)) }));
    },
  };
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
