import { randomUUID } from "node:crypto";
import type { DatabaseClient } from "./database-client.ts";
import { fenced } from "./leader-lease.ts";
import { fromJsonColumn, toJsonColumn } from "./json-column.ts";
import type { Machine } from "./generated/sqlite/client.ts";

export const MachineStatus = { Online: "online", Offline: "offline", Draining: "draining" } as const;
export type MachineStatus = (typeof MachineStatus)[keyof typeof MachineStatus];

export interface MachineRecord {
  id: string;
  name: string;
  /** `{ cpu: 2, memory: 4000, ... }` */
  capacity: Record<string, number>;
  labels: Record<string, string>;
  /** Offered functions with their metadata, as the agent advertised them (parse at the edge). */
  functions: unknown;
  status: MachineStatus;
  lastHeartbeatAt: Date | null;
  agentVersion: string | null;
  /** Where other agents fetch this machine's results. */
  resultUrl: string | null;
  /** The machine's identity (base64url SPKI Ed25519), bound at its first join; null until then or once forgotten. */
  publicKey: string | null;
  identitySince: Date | null;
  /** An admin's override of the host this machine is reached at (instead of its socket's address). */
  addressOverride: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface MachineRegistration {
  name: string;
  capacity: Record<string, number>;
  labels: Record<string, string>;
  functions: unknown;
  status: MachineStatus;
  agentVersion: string | null;
  resultUrl: string | null;
  lastHeartbeatAt: Date | null;
}

/**
 * The scheduler's writes of machine state take `epoch` (replicas): the leader lease's epoch they were decided under;
 * a deposed leader's late write is refused whole (`LeaseLostError`, see `fenced`).
 */
export interface MachineRepository {
  /** Creates the machine or replaces what its agent advertises (agents re-register on every connect). */
  register(machine: MachineRegistration, epoch?: number): Promise<MachineRecord>;
  get(name: string): Promise<MachineRecord | undefined>;
  list(): Promise<MachineRecord[]>;
  setStatus(name: string, status: MachineStatus, epoch?: number): Promise<MachineRecord | undefined>;
  /** One statement for many machines: heartbeats arrive often and are batched per tick. */
  recordHeartbeats(names: readonly string[], at: Date, epoch?: number): Promise<number>;
  /** At server start-up no agent is connected yet: online machines become offline (draining stays draining). */
  markAllOffline(epoch?: number): Promise<number>;
  remove(name: string): Promise<boolean>;
  /**
   * Binds `publicKey` to the machine `name` (created when new) unless another key is bound already: answers
   * `bound` (done, or it was this key already) or `taken` (another identity holds the name). One conditional write.
   */
  bindIdentity(name: string, publicKey: string, at: Date): Promise<"bound" | "taken">;
  /** Revokes the machine's identity: its name is free for the next machine that joins with a join token. */
  forgetIdentity(name: string): Promise<boolean>;
  setAddressOverride(name: string, address: string | null): Promise<boolean>;
}

function toRecord(row: Machine): MachineRecord {
  return {
    ...row,
    capacity: fromJsonColumn(row.capacity) as Record<string, number>,
    labels: fromJsonColumn(row.labels) as Record<string, string>,
    functions: fromJsonColumn(row.functions),
    status: row.status as MachineStatus,
  };
}

/**
 * The machine registry's storage.
 * @example
 * const machines = createMachineRepository(client);
 * await machines.register({ name: "gpu-1", capacity: { cpu: 8, gpu: 1 }, labels: {}, functions: [], status: "online", agentVersion: "0.1.0", resultUrl: "http://10.0.0.5:7411", lastHeartbeatAt: new Date() });
 */
export function createMachineRepository(client: DatabaseClient): MachineRepository {
  const get = async (name: string): Promise<MachineRecord | undefined> => {
    const row = await client.machine.findUnique({ where: { name } });
    return row === null ? undefined : toRecord(row);
  };

  return {
    get,

    async register(machine, epoch) {
      const data = {
        capacity: toJsonColumn(machine.capacity),
        labels: toJsonColumn(machine.labels),
        functions: toJsonColumn(machine.functions),
        status: machine.status,
        agentVersion: machine.agentVersion,
        resultUrl: machine.resultUrl,
        lastHeartbeatAt: machine.lastHeartbeatAt,
      };
      const row = await fenced(client, epoch, (tx) => tx.machine.upsert({ where: { name: machine.name }, create: { id: randomUUID(), name: machine.name, ...data }, update: data }));
      return toRecord(row);
    },

    async list() {
      const rows = await client.machine.findMany({ orderBy: { name: "asc" } });
      return rows.map(toRecord);
    },

    async setStatus(name, status, epoch) {
      const { count } = await fenced(client, epoch, (tx) => tx.machine.updateMany({ where: { name }, data: { status } }));
      if (count === 0) return undefined;
      return get(name);
    },

    async recordHeartbeats(names, at, epoch) {
      if (names.length === 0) return 0;
      const { count } = await fenced(client, epoch, (tx) => tx.machine.updateMany({ where: { name: { in: [...names] } }, data: { lastHeartbeatAt: at } }));
      return count;
    },

    async markAllOffline(epoch) {
      const { count } = await fenced(client, epoch, (tx) => tx.machine.updateMany({ where: { status: MachineStatus.Online }, data: { status: MachineStatus.Offline } }));
      return count;
    },

    async bindIdentity(name, publicKey, at) {
      const existing = await client.machine.findUnique({ where: { name }, select: { publicKey: true } });
      if (existing === null) {
        await client.machine.create({
          data: { id: randomUUID(), name, capacity: "{}", labels: "{}", functions: "[]", status: MachineStatus.Offline, publicKey, identitySince: at },
        });
        return "bound";
      }
      if (existing.publicKey === publicKey) return "bound";
      const { count } = await client.machine.updateMany({ where: { name, publicKey: null }, data: { publicKey, identitySince: at } });
      return count === 1 ? "bound" : "taken";
    },

    async forgetIdentity(name) {
      const { count } = await client.machine.updateMany({ where: { name }, data: { publicKey: null, identitySince: null } });
      return count > 0;
    },

    async setAddressOverride(name, address) {
      const { count } = await client.machine.updateMany({ where: { name }, data: { addressOverride: address } });
      return count > 0;
    },

    async remove(name) {
      const { count } = await client.machine.deleteMany({ where: { name } });
      return count > 0;
    },
  };
}
