import { MAX_ACTIVE_RUNS_LIMIT, MAX_CATCH_UP, MAX_FIRINGS_LISTED } from "@handoff/api";
import { CATCH_UP_POLICIES } from "@handoff/core";
import type { HandoffClient } from "@handoff/sdk";
import { asksForHelp, enumFlag, HelpRequest, intFlag, parseFlags, UsageError } from "../args.ts";
import { connect } from "../connect.ts";
import { parseParamFlags } from "../param-flags.ts";
import { table } from "../table.ts";

const usage = `handoff schedules list DAG                  a saved DAG's cron schedules, each with its next firing
handoff schedules add DAG --cron EXPR       fire a run of DAG's latest version at every time EXPR names
    [--tz ZONE]                             an IANA time zone (default UTC): "0 9 * * 1-5" --tz Europe/Berlin
    [--param NAME=VALUE ...]                the runs' params, read as the DAG declares them
    [--catch-up none|latest|all]            after a stop: fire nothing missed, the latest missed, or all
    [--catch-up-limit N] [--max-active N]   (all: up to N); skip a firing while N runs of it are active
    [--disabled]                            created off
handoff schedules set ID [the same flags] [--enable | --disable]
                                            changes only what is given; --params given replace them all
handoff schedules delete ID
handoff schedules history ID [--limit N]    its firings, newest first, and the runs they started
EXPR: 5 fields (minute hour day month weekday), or 6 with seconds first. Changing schedules needs an admin token.
(all take [--server URL] [--token TOKEN])`;

const flags = {
  server: { type: "string" },
  token: { type: "string" },
  "data-dir": { type: "string" },
  cron: { type: "string" },
  tz: { type: "string" },
  param: { type: "string", multiple: true },
  "catch-up": { type: "string" },
  "catch-up-limit": { type: "string" },
  "max-active": { type: "string" },
  disabled: { type: "boolean" },
  enable: { type: "boolean" },
  disable: { type: "boolean" },
  limit: { type: "string" },
} as const;

type Values = ReturnType<typeof parseFlags<typeof flags>>["values"];
type ScheduleView = Awaited<ReturnType<HandoffClient["trpc"]["schedules"]["get"]["query"]>>;

/** The one positional a subcommand takes (a DAG name or a schedule id), or a usage error naming it. */
function one(positionals: readonly string[], sub: string, what: string): string {
  const [value, ...more] = positionals;
  if (value === undefined || more.length > 0) throw new UsageError(`${sub} needs exactly one ${what}\n\n${usage}`);
  return value;
}

/** The settings the flags give (only those given), checked before any request; `--param`s are read later (`paramsOf`). */
function settingsOf(values: Values) {
  const settings = {
    cron: values.cron,
    timeZone: values.tz,
    catchUp: enumFlag(values["catch-up"], "catch-up", CATCH_UP_POLICIES),
    catchUpLimit: intFlag(values["catch-up-limit"], "catch-up-limit", 1, MAX_CATCH_UP),
    maxActiveRuns: intFlag(values["max-active"], "max-active", 1, MAX_ACTIVE_RUNS_LIMIT),
  };
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined)) as Partial<typeof settings>;
}

/** `--param NAME=VALUE`s read as the saved DAG's declared params (`{}` when none given). */
async function paramsOf(values: Values, client: HandoffClient, dagName: () => Promise<string>) {
  if (values.param === undefined) return {};
  const { file } = await client.trpc.dags.get.query({ name: await dagName() });
  return { params: parseParamFlags(values.param, file.params ?? {}) };
}

function describeSchedule(schedule: ScheduleView): string {
  const catchUp = schedule.catchUp === "all" ? `all (up to ${schedule.catchUpLimit})` : schedule.catchUp;
  return [
    `schedule ${schedule.id} of ${schedule.dagName}: "${schedule.cron}" in ${schedule.timeZone}, ${schedule.enabled ? `next ${schedule.nextAt ?? "never"}` : "disabled"}`,
    `  params ${JSON.stringify(schedule.params ?? {})}; catch-up ${catchUp}; at most ${schedule.maxActiveRuns} active`,
  ].join("\n");
}

/** `--enable` / `--disable` as the `enabled` setting (undefined: neither given). */
function enabledOf(values: Values): boolean | undefined {
  if (values.enable === true && values.disable === true) throw new UsageError(`--enable and --disable are exclusive\n\n${usage}`);
  return values.enable === true ? true : values.disable === true ? false : undefined;
}

export async function schedules(argv: readonly string[]): Promise<number> {
  if (asksForHelp(argv)) throw new HelpRequest(usage);
  const [sub, ...rest] = argv;
  const { values, positionals } = parseFlags(rest, flags, usage);
  const client = () => connect(values);
  switch (sub) {
    case "list": {
      const list = await client().trpc.schedules.list.query({ dag: one(positionals, "list", "DAG name") });
      const rows = list.map((s) => [s.id, s.cron, s.timeZone, s.enabled ? (s.nextAt ?? "never") : "disabled", s.catchUp, String(s.maxActiveRuns), JSON.stringify(s.params ?? {})]);
      console.log(table(["id", "cron", "time zone", "next", "catch-up", "max active", "params"], rows));
      return 0;
    }
    case "add": {
      const dag = one(positionals, "add", "DAG name");
      if (values.cron === undefined) throw new UsageError(`add needs --cron EXPR\n\n${usage}`);
      if (values.enable === true || values.disable === true) throw new UsageError(`add takes --disabled (not --enable/--disable)\n\n${usage}`);
      const settings = settingsOf(values);
      const connected = client();
      const params = await paramsOf(values, connected, async () => dag);
      const created = await connected.trpc.schedules.create.mutate({ dag, ...settings, ...params, cron: values.cron, enabled: values.disabled !== true });
      console.log(`created ${describeSchedule(created)}`);
      return 0;
    }
    case "set": {
      const id = one(positionals, "set", "schedule ID");
      if (values.disabled === true) throw new UsageError(`set takes --disable (not --disabled)\n\n${usage}`);
      const enabled = enabledOf(values);
      const settings = { ...settingsOf(values), ...(enabled === undefined ? {} : { enabled }) };
      if (Object.keys(settings).length === 0 && values.param === undefined) throw new UsageError(`set needs at least one setting to change\n\n${usage}`);
      const connected = client();
      const changes = { ...settings, ...(await paramsOf(values, connected, async () => (await connected.trpc.schedules.get.query({ id })).dagName)) };
      console.log(`updated ${describeSchedule(await connected.trpc.schedules.update.mutate({ id, ...changes }))}`);
      return 0;
    }
    case "delete": {
      const id = one(positionals, "delete", "schedule ID");
      await client().trpc.schedules.delete.mutate({ id });
      console.log(`deleted schedule ${id}`);
      return 0;
    }
    case "history": {
      const id = one(positionals, "history", "schedule ID");
      const limit = intFlag(values.limit, "limit", 1, MAX_FIRINGS_LISTED);
      const firings = await client().trpc.schedules.history.query({ id, ...(limit === undefined ? {} : { limit }) });
      console.log(table(["scheduled", "fired", "outcome", "run", "reason"], firings.map((f) => [f.scheduledAt, f.firedAt, f.outcome, f.runId ?? "", f.reason ?? ""])));
      return 0;
    }
    case undefined:
    default:
      throw new UsageError(`${sub === undefined ? "a schedules command is needed" : `unknown schedules command "${sub}"`}\n\n${usage}`);
  }
}
