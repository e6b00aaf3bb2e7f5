import { AuditKind } from "./services/audit.ts";
import { auditRouter } from "./routers/audit.ts";
import { dagsRouter } from "./routers/dags.ts";
import { machinesRouter } from "./routers/machines.ts";
import { resultsRouter } from "./routers/results.ts";
import { runWaitRouter } from "./routers/run-wait.ts";
import { runsRouter } from "./routers/runs.ts";
import { functionsRouter } from "./routers/functions.ts";
import { schedulesRouter } from "./routers/schedules.ts";
import { secretsRouter } from "./routers/secrets.ts";
import { tokensRouter } from "./routers/tokens.ts";
import { webhooksRouter } from "./routers/webhooks.ts";
import { adminProcedure, mergeRouters, router, userProcedure } from "./trpc.ts";
import { z } from "zod";
import { IsoDateTime } from "./outputs/shared-outputs.ts";

export const appRouter = router({
  auth: router({
    me: userProcedure.output(z.object({ tokenId: z.string(), name: z.string(), kind: z.enum(["admin", "user"]) })).query(({ ctx }) => ({ tokenId: ctx.principal.tokenId, name: ctx.principal.name, kind: ctx.principal.kind as "admin" | "user" })),
    /** A one-time sign-in link for the caller's token: works once, for 10 minutes (open it in a browser). */
    signInLink: adminProcedure.output(z.object({ url: z.string(), expiresAt: IsoDateTime })).mutation(async ({ ctx }) => {
      const { code, expiresAt } = await ctx.signIn.mint(ctx.principal.tokenId);
      ctx.audit.record({ kind: AuditKind.SignInCodeMinted, actor: ctx.principal, ip: ctx.clientAddress });
      return { url: `${ctx.publicUrl()}/login?code=${code}`, expiresAt: expiresAt.toISOString() };
    }),
  }),
  audit: auditRouter,
  machines: machinesRouter,
  dags: dagsRouter,
  runs: mergeRouters(runsRouter, runWaitRouter),
  results: resultsRouter,
  tokens: tokensRouter,
  secrets: secretsRouter,
  functions: functionsRouter,
  schedules: schedulesRouter,
  webhooks: webhooksRouter,
});

/** The API's type: the dashboard and the SDK client import it (type only). */
export type AppRouter = typeof appRouter;
export type { RunView, WatchEvent } from "./routers/runs.ts";
