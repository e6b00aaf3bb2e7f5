import { z } from "zod";
import type { FunctionMeta } from "@handoff/protocol";
import { AuditKind } from "../services/audit.ts";
import type { MachineView } from "../services/machines.ts";
import { ApiError, adminProcedure, router, userProcedure } from "../trpc.ts";
import { CatalogueOut, LoadHistoryOut, MachineOut } from "../outputs/catalogue-outputs.ts";

const MachineName = z.string().min(1).max(200);
const Resources = z.record(z.string().min(1).max(100), z.number().finite().nonnegative());
/** Machines one history query may name (a dashboard page's worth). */
const MAX_HISTORY_NAMES = 500;

export const machinesRouter = router({
  list: userProcedure.output(z.array(MachineOut)).query(({ ctx }): MachineView[] => ctx.machines.list()),

  /** Functions offered by online machines, each with the machines that offer it. */
  catalogue: userProcedure.output(CatalogueOut).query(({ ctx }) => {
    const byName = new Map<string, { fn: FunctionMeta; machines: string[] }>();
    for (const machine of ctx.machines.list()) {
      if (machine.status !== "online") continue;
      for (const fn of machine.functions) {
        const entry = byName.get(fn.name) ?? { fn, machines: [] };
        entry.machines.push(machine.name);
        byName.set(fn.name, entry);
      }
    }
    return [...byName.values()].sort((a, b) => (a.fn.name < b.fn.name ? -1 : 1));
  }),

  register: adminProcedure.input(z.object({ name: MachineName, capacity: Resources })).output(MachineOut).mutation(async ({ ctx, input }) => {
    return ctx.machines.register(input.name, input.capacity);
  }),

  resourcesAvailable: userProcedure.input(z.object({ name: MachineName, request: Resources })).output(z.object({ available: z.boolean(), free: z.record(z.string(), z.number()) })).query(({ ctx, input }) => {
    if (!ctx.machines.get(input.name)) throw new ApiError("NOT_FOUND", `unknown machine "${input.name}"`);
    return { available: ctx.machines.resourcesAvailable(input.name, input.request), free: ctx.machines.free(input.name) };
  }),

  /** No new tasks go to the machine; what runs there finishes and its results stay reachable. */
  drain: adminProcedure.input(z.object({ name: MachineName })).output(MachineOut).mutation(async ({ ctx, input }) => {
    const machine = await ctx.machines.setDraining(input.name, true);
    if (!machine) throw new ApiError("NOT_FOUND", `unknown machine "${input.name}"`);
    ctx.audit.record({ kind: AuditKind.MachineDrained, actor: ctx.principal, ip: ctx.clientAddress, details: { machine: input.name } });
    return machine;
  }),

  undrain: adminProcedure.input(z.object({ name: MachineName })).output(MachineOut).mutation(async ({ ctx, input }) => {
    const machine = await ctx.machines.setDraining(input.name, false);
    if (!machine) throw new ApiError("NOT_FOUND", `unknown machine "${input.name}"`);
    ctx.audit.record({ kind: AuditKind.MachineUndrained, actor: ctx.principal, ip: ctx.clientAddress, details: { machine: input.name } });
    return machine;
  }),

  /**
   * Load over time, one sample a second, the last 15 minutes: per machine (claimed vs capacity, measured CPU and
   * memory) for `name` or `names` (every machine when neither), and with `cluster` the online machines' sums. Poll
   * with `sinceMs` (the newest `at` you hold) to receive only what is new.
   */
  history: userProcedure
    .input(
      z
        .object({
          name: MachineName.optional(),
          names: z.array(MachineName).max(MAX_HISTORY_NAMES).optional(),
          sinceMs: z.number().int().nonnegative().optional(),
          cluster: z.boolean().optional(),
        })
        .strict()
        .refine((input) => input.name === undefined || input.names === undefined, { message: "give name or names, not both", path: ["names"] })
        .optional(),
    )
    .output(LoadHistoryOut)
    .query(({ ctx, input }) => {
      if (input?.name !== undefined && !ctx.machines.get(input.name)) throw new ApiError("NOT_FOUND", `unknown machine "${input.name}"`);
      const sinceMs = input?.sinceMs ?? 0;
      const names = input?.name === undefined ? input?.names : [input.name];
      return { machines: ctx.machines.loadHistory(names, sinceMs), ...(input?.cluster === true ? { cluster: ctx.machines.clusterLoad(sinceMs) } : {}) };
    }),

  /** A fresh join token and the command that starts an agent pointed at this server. */
  joinCommand: adminProcedure.input(z.object({ name: z.string().max(100).optional() }).optional()).output(z.object({ token: z.string(), command: z.string(), npx: z.string() })).mutation(async ({ ctx, input }) => {
    const label = input?.name ?? `agent ${new Date().toISOString()}`;
    // Join tokens made from the dashboard expire after 24 h.
    const { id, token, expiresAt } = await ctx.tokens.create(label, "join", ctx.principal.name, { expiresInHours: 24 });
    ctx.audit.record({ kind: AuditKind.TokenCreated, actor: ctx.principal, ip: ctx.clientAddress, details: { tokenId: id, name: label, kind: "join", expiresAt } });
    const command = ctx.machines.installCommand(token);
    return { token, command, npx: `HANDOFF_JOIN_TOKEN=${token} npx handoff agent --server ${ctx.publicUrl()}` };
  }),

  /**
   * Revokes the machine's identity and frees its name (the next machine that joins with a join token may take it);
   * its agent is disconnected at once and told to stop. Its history (runs, attempts) stays.
   */
  forget: adminProcedure.input(z.object({ name: MachineName })).output(z.object({ name: z.string(), forgotten: z.literal(true) })).mutation(async ({ ctx, input }) => {
    if (!(await ctx.machines.forget(input.name))) throw new ApiError("NOT_FOUND", `unknown machine "${input.name}"`);
    ctx.audit.record({ kind: AuditKind.MachineForgotten, actor: ctx.principal, ip: ctx.clientAddress, details: { machine: input.name } });
    return { name: input.name, forgotten: true };
  }),

  /** Overrides the host the server and other agents reach this machine's results at (null: its socket's address). */
  setAddress: adminProcedure.input(z.object({ name: MachineName, address: z.string().min(1).max(253).nullable() })).output(MachineOut).mutation(async ({ ctx, input }) => {
    const changed = await ctx.machines.setAddress(input.name, input.address);
    if (changed.kind === "invalid") throw new ApiError("BAD_REQUEST", changed.message);
    if (changed.kind === "not_found") throw new ApiError("NOT_FOUND", `unknown machine "${input.name}"`);
    ctx.audit.record({ kind: AuditKind.MachineAddressSet, actor: ctx.principal, ip: ctx.clientAddress, details: { machine: input.name, address: input.address } });
    return changed.machine;
  }),
});
