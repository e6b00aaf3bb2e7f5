import pg from "pg";
import type { DatabaseClient, TransactionClient } from "./database-client.ts";

/** The one lease row's id: one scheduler per database. */
export const LEASE_ID = "scheduler";

/** A lease this replica holds: its epoch and how long it is still valid by the database's clock when it answered. */
export interface LeaseGrant {
  readonly epoch: number;
  readonly remainingMs: number;
}

/** Who holds the lease now (expired or not): standbys send clients to `holderUrl`. */
export interface LeaseHolder {
  readonly holder: string;
  readonly holderUrl: string;
  readonly epoch: number;
  /** Negative once it has expired. */
  readonly remainingMs: number;
}

/** A write decided under an epoch that is no longer the lease's: another replica leads now. Nothing was written. */
export class LeaseLostError extends Error {
  override readonly name = "LeaseLostError";
  constructor(
    readonly epoch: number,
    readonly currentEpoch: number | null,
  ) {
    super(`the leader lease moved on (this write was decided under epoch ${epoch}, the lease is at ${currentEpoch ?? "none"}): refused`);
  }
}

/**
 * The scheduler's leader lease in PostgreSQL (issue #18): one row, taken and renewed with conditional statements
 * judged by the database's clock (`now()`), so replicas' clocks never have to agree. The epoch grows at every
 * change of holder; a write carrying an older one is refused (see `checkEpoch`).
 */
export interface LeaderLeaseRepository {
  /** Takes the lease when nobody holds it or it has expired (a new epoch); undefined while someone else holds it. */
  acquire(holder: string, holderUrl: string, ttlMs: number): Promise<LeaseGrant | undefined>;
  /** Extends our lease by `ttlMs` from now; undefined when it is no longer ours (expired, or taken under a newer epoch). */
  renew(holder: string, epoch: number, ttlMs: number): Promise<LeaseGrant | undefined>;
  /** Gives the lease up at once (a clean shutdown), so a standby need not wait for it to expire. */
  release(holder: string, epoch: number): Promise<void>;
  current(): Promise<LeaseHolder | undefined>;
  close(): Promise<void>;
}

// The time when the row is compared, not when the statement's transaction began (`now()`): a renewal that began before
// a release but reached the row after it committed re-checks `"expiresAt" > NOW` against the released row, and with
// `now()` (earlier than the release's) it passed and extended the lease it had just given up.
const NOW = `timezone('UTC', clock_timestamp())`;
const REMAINING = `(EXTRACT(EPOCH FROM ("expiresAt" - ${NOW})) * 1000)::float8 AS "remainingMs"`;

/**
 * On a small pool of its own (not Prisma's), so a busy write-behind never delays a renewal; every statement gives up
 * after `statementTimeoutMs` (a renewal that hangs past the lease's end is a lost lease, not a wait).
 * @example
 * const lease = leaderLeaseRepository("postgresql://postgres@127.0.0.1:5432/handoff");
 * const grant = await lease.acquire("replica-1", "http://10.0.0.1:4400", 3000); // { epoch: 7, remainingMs: 3000 }
 */
export function leaderLeaseRepository(url: string, statementTimeoutMs = 1000): LeaderLeaseRepository {
  const pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: statementTimeoutMs, query_timeout: statementTimeoutMs });
  // An idle client whose connection drops emits "error" on the pool: the next query reconnects.
  pool.on("error", () => undefined);
  const grantOf = (rows: readonly { epoch: number; remainingMs: number }[]): LeaseGrant | undefined =>
    rows[0] === undefined ? undefined : { epoch: Number(rows[0].epoch), remainingMs: Number(rows[0].remainingMs) };
  return {
    async acquire(holder, holderUrl, ttlMs) {
      const { rows } = await pool.query<{ epoch: number; remainingMs: number }>(
        `INSERT INTO "LeaderLease" ("id", "holder", "holderUrl", "epoch", "expiresAt") VALUES ($1, $2, $3, 1, ${NOW} + $4 * interval '1 millisecond')
         ON CONFLICT ("id") DO UPDATE SET "holder" = EXCLUDED."holder", "holderUrl" = EXCLUDED."holderUrl", "epoch" = "LeaderLease"."epoch" + 1, "expiresAt" = EXCLUDED."expiresAt"
         WHERE "LeaderLease"."expiresAt" <= ${NOW}
         RETURNING "epoch", ${REMAINING}`,
        [LEASE_ID, holder, holderUrl, ttlMs],
      );
      return grantOf(rows);
    },
    async renew(holder, epoch, ttlMs) {
      const { rows } = await pool.query<{ epoch: number; remainingMs: number }>(
        `UPDATE "LeaderLease" SET "expiresAt" = ${NOW} + $4 * interval '1 millisecond'
         WHERE "id" = $1 AND "holder" = $2 AND "epoch" = $3 AND "expiresAt" > ${NOW}
         RETURNING "epoch", ${REMAINING}`,
        [LEASE_ID, holder, epoch, ttlMs],
      );
      return grantOf(rows);
    },
    async release(holder, epoch) {
      await pool.query(`UPDATE "LeaderLease" SET "expiresAt" = ${NOW} WHERE "id" = $1 AND "holder" = $2 AND "epoch" = $3`, [LEASE_ID, holder, epoch]);
    },
    async current() {
      const { rows } = await pool.query<LeaseHolder>(`SELECT "holder", "holderUrl", "epoch", ${REMAINING} FROM "LeaderLease" WHERE "id" = $1`, [LEASE_ID]);
      const row = rows[0];
      return row === undefined ? undefined : { holder: row.holder, holderUrl: row.holderUrl, epoch: Number(row.epoch), remainingMs: Number(row.remainingMs) };
    },
    close: () => pool.end(),
  };
}

/**
 * Inside a write's transaction: locks the lease row (a takeover waits until this transaction ends) and refuses the
 * write when the lease's epoch is no longer `epoch`. So a deposed leader's late write either commits before the new
 * leader reads the database, or not at all.
 */
export async function checkEpoch(query: (sql: string, params: readonly unknown[]) => Promise<{ rows: readonly { epoch: number }[] }>, epoch: number): Promise<void> {
  const { rows } = await query(`SELECT "epoch" FROM "LeaderLease" WHERE "id" = $1 FOR SHARE`, [LEASE_ID]);
  const current = rows[0] === undefined ? null : Number(rows[0].epoch);
  if (current !== epoch) throw new LeaseLostError(epoch, current);
}

/** `checkEpoch` inside a Prisma interactive transaction. */
export function checkEpochIn(tx: TransactionClient, epoch: number): Promise<void> {
  return checkEpoch(async (sql, params) => ({ rows: await tx.$queryRawUnsafe<{ epoch: number }[]>(sql, ...params) }), epoch);
}

/**
 * Replicas: runs `write` in a transaction that first checks the leader lease's epoch (`checkEpoch`), so a deposed
 * leader's late write is refused whole (`LeaseLostError`). Without an epoch (one server) it runs as it is.
 * @example await fenced(client, epoch, (tx) => tx.machine.updateMany({ where: { name }, data: { status } }));
 */
export function fenced<T>(client: DatabaseClient, epoch: number | undefined, write: (tx: TransactionClient | DatabaseClient) => Promise<T>): Promise<T> {
  if (epoch === undefined) return write(client);
  return client.$transaction(async (tx) => {
    await checkEpochIn(tx, epoch);
    return write(tx);
  });
}
