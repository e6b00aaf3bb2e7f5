import { MAX_DELIVERIES_LISTED } from "@handoff/api";
import { asksForHelp, HelpRequest, intFlag, parseFlags, UsageError } from "../args.ts";
import { connect } from "../connect.ts";
import { table } from "../table.ts";

const usage = `handoff webhooks list DAG                   a saved DAG's webhooks (never their URLs or keys)
handoff webhooks add DAG NAME [--unsigned]  a URL that starts a run of DAG with the request's JSON body as params;
                                            its URL and HMAC key are printed this once (--unsigned: no key —
                                            anyone who learns the URL, e.g. from a log, can start runs)
handoff webhooks enable ID | disable ID     a disabled webhook answers 404
handoff webhooks delete ID
handoff webhooks history ID [--limit N]     its latest requests, newest first: the status answered, the run started
Changing webhooks needs an admin token. (all take [--server URL] [--token TOKEN])`;

const flags = { server: { type: "string" }, token: { type: "string" }, "data-dir": { type: "string" }, unsigned: { type: "boolean" }, limit: { type: "string" } } as const;

/** The positionals a subcommand takes, exactly, or a usage error naming them. */
function exactly(positionals: readonly string[], sub: string, names: readonly string[]): string[] {
  if (positionals.length !== names.length) throw new UsageError(`${sub} needs ${names.join(" ")}\n\n${usage}`);
  return [...positionals];
}

export async function webhooks(argv: readonly string[]): Promise<number> {
  if (asksForHelp(argv)) throw new HelpRequest(usage);
  const [sub, ...rest] = argv;
  const { values, positionals } = parseFlags(rest, flags, usage);
  if (values.unsigned === true && sub !== "add") throw new UsageError(`--unsigned goes with add only\n\n${usage}`);
  const trpc = () => connect(values).trpc;
  switch (sub) {
    case "list": {
      const [dag] = exactly(positionals, "list", ["DAG"]);
      const list = await trpc().webhooks.list.query({ dag: dag! });
      console.log(table(["id", "name", "signed", "enabled", "created", "by"], list.map((w) => [w.id, w.name, w.signed ? "yes" : "no", w.enabled ? "yes" : "no", w.createdAt, w.createdBy ?? ""])));
      return 0;
    }
    case "add": {
      const [dag, name] = exactly(positionals, "add", ["DAG", "NAME"]);
      const created = await trpc().webhooks.create.mutate({ dag: dag!, name: name!, signed: values.unsigned !== true });
      console.log(`created webhook ${created.id} (${created.name}) for ${created.dagName}; shown this once, keep them secret:`);
      console.log(`  url       ${created.url}`);
      if (created.hmacKey === null) {
        console.log(`  unsigned: the URL alone starts runs\n  call it:  curl -X POST -H 'content-type: application/json' -d '{}' '${created.url}'`);
        return 0;
      }
      console.log(`  hmac key  ${created.hmacKey}`);
      console.log(`  sign each request: X-Handoff-Signature: sha256=<hex HMAC-SHA256 of the raw body under the key>, e.g.`);
      console.log(`    body='{}'; sig=$(printf %s "$body" | openssl dgst -sha256 -hmac "$KEY" -r | cut -d' ' -f1)`);
      console.log(`    curl -X POST -H 'content-type: application/json' -H "X-Handoff-Signature: sha256=$sig" -d "$body" '${created.url}'`);
      return 0;
    }
    case "enable":
    case "disable": {
      const [id] = exactly(positionals, sub, ["ID"]);
      const updated = await trpc().webhooks.update.mutate({ id: id!, enabled: sub === "enable" });
      console.log(`webhook ${updated.id} (${updated.name}) ${updated.enabled ? "enabled" : "disabled: its URL answers 404"}`);
      return 0;
    }
    case "delete": {
      const [id] = exactly(positionals, "delete", ["ID"]);
      await trpc().webhooks.delete.mutate({ id: id! });
      console.log(`deleted webhook ${id}`);
      return 0;
    }
    case "history": {
      const [id] = exactly(positionals, "history", ["ID"]);
      const limit = intFlag(values.limit, "limit", 1, MAX_DELIVERIES_LISTED);
      const deliveries = await trpc().webhooks.history.query({ id: id!, ...(limit === undefined ? {} : { limit }) });
      console.log(table(["at", "status", "outcome", "run", "reason"], deliveries.map((d) => [d.at, String(d.status), d.outcome, d.runId ?? "", d.reason ?? ""])));
      return 0;
    }
    case undefined:
    default:
      throw new UsageError(`${sub === undefined ? "a webhooks command is needed" : `unknown webhooks command "${sub}"`}\n\n${usage}`);
  }
}
