import { neededFunctions, type DagSpec } from "@handoff/core";
import { MAX_LISTED_BUNDLES, currentVersions } from "@handoff/api";
import type { Database } from "@handoff/db";
import { AgentEvent, ServerToAgent, parseReply, type BundleWant } from "@handoff/protocol";
import type { Logger } from "../log.ts";
import type { Engine } from "../scheduler/engine.ts";

/** How long an agent may take to fetch and load the bundles a run needs. */
export const LOAD_TIMEOUT_MS = 60_000;

export interface ShipFunctionsContext {
  readonly engine: Pick<Engine, "machines" | "offerFunctions">;
  readonly db: Pick<Database, "functionBundles">;
  readonly log: Logger;
}

/**
 * Before a run is checked: every online agent that fetches functions gets exactly the shipped versions this DAG calls
 * that it does not offer yet (`functions:load`), and the catalogue it answers with becomes what it offers. An agent
 * that refuses (a bundle whose bytes do not match its hash, a name it already has from its own disk) or does not
 * answer in time keeps offering what it did; the run's check then sees the cluster as it is. Never throws.
 * @example await shipFunctionsFor({ engine, db, log }, dag); engine.submit(...)
 */
export async function shipFunctionsFor(context: ShipFunctionsContext, dag: DagSpec): Promise<void> {
  const fetching = [...context.engine.machines.values()].flatMap((machine) =>
    machine.fetchesFunctions && machine.status !== "offline" && machine.link !== undefined ? [{ machine, link: machine.link }] : [],
  );
  if (fetching.length === 0) return;
  // Every function the placement check will ask for (tasks, edges' encode and decode steps); a bundle never defines
  // `std.*` (agents refuse a name of the standard library), so a DAG of those alone reads no bundle.
  const called = new Set([...neededFunctions(dag).values()].flat().map((need) => need.fn).filter((name) => !name.startsWith("std.")));
  if (called.size === 0) return;
  const current = currentVersions(await context.db.functionBundles.list(MAX_LISTED_BUNDLES));
  const shipped = [...called].flatMap((name) => {
    const version = current.get(name);
    return version === undefined ? [] : [{ name, ...version }];
  });
  if (shipped.length === 0) return;
  await Promise.all(
    fetching.map(async ({ machine, link }) => {
      const wants = new Map<string, string[]>();
      for (const fn of shipped) {
        if (machine.functions.some((offered) => offered.name === fn.name && offered.codeHash === fn.codeHash)) continue;
        wants.set(fn.hash, [...(wants.get(fn.hash) ?? []), fn.name]);
      }
      if (wants.size === 0) return;
      const bundles: BundleWant[] = [...wants].map(([hash, names]) => ({ hash, names }));
      let answer: unknown;
      try {
        answer = await link.request(AgentEvent.FunctionsLoad, { v: 1, bundles }, LOAD_TIMEOUT_MS);
      } catch {
        context.log.warn("agent did not load shipped functions in time", { machine: machine.name, bundles: bundles.map((b) => b.hash) });
        return;
      }
      const reply = parseReply(ServerToAgent, AgentEvent.FunctionsLoad, answer);
      if (!reply.ok) {
        context.log.warn("agent answered functions:load with a malformed reply", { machine: machine.name, error: reply.error.message });
        return;
      }
      if (!reply.reply.ok) {
        context.log.warn("agent refused shipped functions", { machine: machine.name, bundles: bundles.map((b) => b.hash), error: reply.reply.error.message });
        return;
      }
      await context.engine.offerFunctions(machine.name, link, reply.reply.functions);
      if (reply.reply.refused !== undefined) {
        context.log.warn("agent refused shipped functions (it offers none of them now)", { machine: machine.name, bundles: bundles.map((b) => b.hash), error: reply.reply.refused });
        return;
      }
      context.log.info("agent loaded shipped functions", { machine: machine.name, bundles: bundles.map((b) => b.hash), functions: reply.reply.functions.length });
    }),
  );
}
