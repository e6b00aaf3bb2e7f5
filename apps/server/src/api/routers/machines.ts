import { z } from "zod";
import { AuditKind } from "../../auth/audit-log.ts";
import type { FunctionMeta } from "@handoff/protocol";
import { installCommand } from "../../http/install.ts";
import { checkAddressOverride } from "../../machines/holder-url.ts";
import type { Engine, LiveMachine } from "../../scheduler/engine.ts";
import { ApiError, adminProcedure, router, userProcedure } from "../trpc.ts";

const MachineName = z.string().min(1).max(200);
const Resources = z.record(z.string().min(1).max(100), z.number().finite().nonnegative());

export interface MachineView {
  name: string;
  status: "online" | "offline" | "draining";
  capacity: Record<string, number>;
  claimed: Record<string, number>;
  free: Record<string, number>;
  labels: Record<string, string>;
  functions: FunctionMeta[];
  lastHeartbeatAt: string | null;
  agentVersion: string | null;
  resultUrl: string | null;
  cpuPercent: number | null;
  memoryUsedMb: number | null;
  memoryTotalMb: number | null;
  runningAttempts: number;
  local: boolean;
}

export function machineView(engine: Engine, machine: LiveMachine, localMachine: string | undefined): MachineView {
  return {
    name: machine.name,
    status: machine.status,
    capacity: machine.capacity,
    claimed: engine.claimed(machine.name),
    free: engine.free(machine.name),
    labels: machine.labels,
    functions: machine.functions,
    lastHeartbeatAt: machine.lastHeartbeatAt === null ? null : new Date(machine.lastHeartbeatAt).toISOString(),
    agentVersion: machine.agentVersion,
    resultUrl: machine.resultUrl,
    cpuPercent: machine.cpuPercent,
    memoryUsedMb: machine.memoryUsedMb,
    memoryTotalMb: machine.memoryTotalMb,
    runningAttempts: machine.running.size,
    local: machine.name === localMachine,
  };
}

export const machinesRouter = router({
  list: userProcedure.query(({ ctx }): MachineView[] =>
    [...ctx.engine.machines.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((machine) => machineView(ctx.engine, machine, ctx.config.localMachine)),
  ),

  /** Functions offered by online machines, each with the machines that offer it. */
  catalogue: userProcedure.query(({ ctx }) => {
    const byName = new Map<string, { fn: FunctionMeta; machines: string[] }>();
    for (const machine of ctx.engine.machines.values()) {
      if (machine.status !== "online") continue;
      for (const fn of machine.functions) {
        const entry = byName.get(fn.name) ?? { fn, machines: [] };
        entry.machines.push(machine.name);
        byName.set(fn.name, entry);
      }
    }
    return [...byName.values()].sort((a, b) => (a.fn.name < b.fn.name ? -1 : 1));
  }),

  register: adminProcedure.input(z.object({ name: MachineName, capacity: Resources })).mutation(async ({ ctx, input }) => {
    const machine = await ctx.engine.registerMachine(input.name, input.capacity);
    return machineView(ctx.engine, machine, ctx.config.localMachine);
  }),

  resourcesAvailable: userProcedure.input(z.object({ name: MachineName, request: Resources })).query(({ ctx, input }) => {
    if (!ctx.engine.machines.has(input.name)) throw new ApiError("NOT_FOUND", `unknown machine "${input.name}"`);
    return { available: ctx.engine.resourcesAvailable(input.name, input.request), free: ctx.engine.free(input.name) };
  }),

  /** No new tasks go to the machine; what runs there finishes and its results stay reachable. */
  drain: adminProcedure.input(z.object({ name: MachineName })).mutation(async ({ ctx, input }) => {
    const machine = await ctx.engine.setDraining(input.name, true);
    if (!machine) throw new ApiError("NOT_FOUND", `unknown machine "${input.name}"`);
    ctx.audit.record({ kind: AuditKind.MachineDrained, actor: ctx.principal, ip: ctx.clientAddress, details: { machine: input.name } });
    return machineView(ctx.engine, machine, ctx.config.localMachine);
  }),

  undrain: adminProcedure.input(z.object({ name: MachineName })).mutation(async ({ ctx, input }) => {
    const machine = await ctx.engine.setDraining(input.name, false);
    if (!machine) throw new ApiError("NOT_FOUND", `unknown machine "${input.name}"`);
    ctx.audit.record({ kind: AuditKind.MachineUndrained, actor: ctx.principal, ip: ctx.clientAddress, details: { machine: input.name } });
    return machineView(ctx.engine, machine, ctx.config.localMachine);
  }),

  /** Load over time: one sample a second per machine (claimed vs capacity, measured CPU and memory), the last 15 minutes. */
  history: userProcedure
    .input(z.object({ name: MachineName.optional(), sinceMs: z.number().int().nonnegative().optional() }).strict().optional())
    .query(({ ctx, input }) => {
      if (input?.name !== undefined && !ctx.engine.machines.has(input.name)) throw new ApiError("NOT_FOUND", `unknown machine "${input.name}"`);
      return { machines: ctx.engine.loadHistory(input?.name, input?.sinceMs ?? 0) };
    }),

  /** A fresh join token and the command that starts an agent pointed at this server. */
  joinCommand: adminProcedure.input(z.object({ name: z.string().max(100).optional() }).optional()).mutation(async ({ ctx, input }) => {
    const label = input?.name ?? `agent ${new Date().toISOString()}`;
    // Join tokens made from the dashboard expire after 24 h.
    const { id, token, expiresAt } = await ctx.tokens.create(label, "join", ctx.principal.name, { expiresInHours: 24 });
    ctx.audit.record({ kind: AuditKind.TokenCreated, actor: ctx.principal, ip: ctx.clientAddress, details: { tokenId: id, name: label, kind: "join", expiresAt } });
    const command = installCommand({ publicUrl: ctx.publicUrl, token });
    return { token, command, npx: `HANDOFF_JOIN_TOKEN=${token} npx handoff agent --server ${ctx.publicUrl}` };
  }),

  /**
   * Revokes the machine's identity and frees its name (the next machine that joins with a join token may take it);
   * its agent is disconnected at once and told to stop. Its history (runs, attempts) stays.
   */
  forget: adminProcedure.input(z.object({ name: MachineName })).mutation(async ({ ctx, input }) => {
    if (!(await ctx.engine.forgetMachine(input.name))) throw new ApiError("NOT_FOUND", `unknown machine "${input.name}"`);
    ctx.audit.record({ kind: AuditKind.MachineForgotten, actor: ctx.principal, ip: ctx.clientAddress, details: { machine: input.name } });
    return { name: input.name, forgotten: true };
  }),

  /** Overrides the host the server and other agents reach this machine's results at (null: its socket's address). */
  setAddress: adminProcedure.input(z.object({ name: MachineName, address: z.string().min(1).max(253).nullable() })).mutation(async ({ ctx, input }) => {
    const problem = input.address === null ? undefined : checkAddressOverride(input.address);
    if (problem !== undefined) throw new ApiError("BAD_REQUEST", problem);
    const machine = await ctx.engine.setAddress(input.name, input.address);
    if (!machine) throw new ApiError("NOT_FOUND", `unknown machine "${input.name}"`);
    ctx.audit.record({ kind: AuditKind.MachineAddressSet, actor: ctx.principal, ip: ctx.clientAddress, details: { machine: input.name, address: input.address } });
    return machineView(ctx.engine, machine, ctx.config.localMachine);
  }),
});
