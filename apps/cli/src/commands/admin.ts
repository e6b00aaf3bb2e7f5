import { asksForHelp, enumFlag, HelpRequest, intFlag, parseFlags, UsageError } from "../args.ts";
import { MaxTokenLifetimeHours } from "@handoff/api";
import { connect } from "../connect.ts";
import { table } from "../table.ts";

const common = { server: { type: "string" }, token: { type: "string" }, "data-dir": { type: "string" } } as const;

const machinesUsage = `handoff machines                 list machines, capacity and load
handoff machines drain NAME      no new tasks go to NAME; running ones finish
handoff machines undrain NAME    bring NAME back
handoff machines forget NAME     revoke NAME's identity and free the name (its agent is disconnected and stops)
handoff machines address NAME HOST|-   reach NAME's results at HOST instead of its socket's address (- clears)
(all take [--server URL] [--token TOKEN])`;

export async function machines(argv: readonly string[]): Promise<number> {
  if (asksForHelp(argv)) throw new HelpRequest(machinesUsage);
  const sub = argv[0] !== undefined && !argv[0].startsWith("-") ? argv[0] : undefined;
  const { values, positionals } = parseFlags(sub === undefined ? argv : argv.slice(1), common, machinesUsage);
  if (sub === "drain" || sub === "undrain") {
    const name = positionals[0];
    if (!name || positionals.length > 1) throw new UsageError(`${sub} needs exactly one machine NAME\n\n${machinesUsage}`);
    const client = connect(values);
    const machine = sub === "drain" ? await client.trpc.machines.drain.mutate({ name }) : await client.trpc.machines.undrain.mutate({ name });
    console.log(`${machine.name} is ${machine.status}${sub === "drain" && machine.runningAttempts > 0 ? ` (${machine.runningAttempts} running attempts will finish)` : ""}`);
    return 0;
  }
  if (sub === "forget") {
    const name = positionals[0];
    if (!name || positionals.length > 1) throw new UsageError(`forget needs exactly one machine NAME\n\n${machinesUsage}`);
    await connect(values).trpc.machines.forget.mutate({ name });
    console.log(`forgot ${name}: its identity is revoked and the name is free (a join token admits the next machine that takes it)`);
    return 0;
  }
  if (sub === "address") {
    const [name, host] = positionals;
    if (!name || !host || positionals.length > 2) throw new UsageError(`address needs a machine NAME and a HOST (or - to clear)\n\n${machinesUsage}`);
    const machine = await connect(values).trpc.machines.setAddress.mutate({ name, address: host === "-" ? null : host });
    console.log(`${machine.name}: results at ${machine.resultUrl ?? "(when it connects)"}`);
    return 0;
  }
  if (sub !== undefined) throw new UsageError(`unknown machines command "${sub}"\n\n${machinesUsage}`);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"\n\n${machinesUsage}`);
  const list = await connect(values).discoverMachines();
  const fmt = (resources: Record<string, number>): string =>
    Object.entries(resources)
      .map(([key, amount]) => `${key}=${amount}`)
      .join(",");
  console.log(
    table(
      ["machine", "status", "capacity", "free", "running", "functions", "last heartbeat"],
      list.map((m) => [m.name + (m.local ? " (local)" : ""), m.status, fmt(m.capacity), fmt(m.free), String(m.runningAttempts), String(m.functions.length), m.lastHeartbeatAt ?? "never"]),
    ),
  );
  return 0;
}

const tokensUsage = `handoff tokens list
handoff tokens create NAME --kind admin|user|join|scrape [--expires-in-hours N]
handoff tokens revoke ID
handoff tokens signin-link     a one-time dashboard sign-in link for your token (works once, 10 minutes)
(all take [--server URL] [--token TOKEN])`;

export async function tokens(argv: readonly string[]): Promise<number> {
  if (asksForHelp(argv)) throw new HelpRequest(tokensUsage);
  const [sub, ...rest] = argv;
  const { values, positionals } = parseFlags(rest, { ...common, kind: { type: "string" }, "expires-in-hours": { type: "string" } }, tokensUsage);
  const client = connect(values);
  switch (sub) {
    case "list": {
      const list = await client.trpc.tokens.list.query();
      console.log(
        table(
          ["id", "name", "kind", "created", "last used", "expires", "revoked"],
          list.map((t) => [t.id, t.name, t.kind, t.createdAt, t.lastUsedAt ?? "-", t.expiresAt ?? "never", t.revokedAt ?? "-"]),
        ),
      );
      return 0;
    }
    case "create": {
      const name = positionals[0];
      const kind = enumFlag(values.kind, "kind", ["admin", "user", "join", "scrape"] as const);
      if (!name || !kind) throw new UsageError(`create needs a NAME and --kind\n\n${tokensUsage}`);
      const expiresInHours = intFlag(values["expires-in-hours"], "expires-in-hours", 1, MaxTokenLifetimeHours);
      const created = await client.trpc.tokens.create.mutate({ name, kind, ...(expiresInHours === undefined ? {} : { expiresInHours }) });
      const expiry = created.expiresAt === null ? "no expiry" : `expires ${created.expiresAt}`;
      console.log(`created ${kind} token "${name}" (id ${created.id}, ${expiry}); it is shown only once:\n${created.token}`);
      return 0;
    }
    case "revoke": {
      const id = positionals[0];
      if (!id) throw new UsageError(`revoke needs a token ID\n\n${tokensUsage}`);
      const result = await client.trpc.tokens.revoke.mutate({ id });
      console.log(result.alreadyRevoked ? `token ${id} was already revoked` : `revoked token ${id}`);
      return 0;
    }
    case "signin-link": {
      const link = await client.trpc.auth.signInLink.mutate();
      console.log(`${link.url}\n(works once, until ${link.expiresAt})`);
      return 0;
    }
    case undefined:
    default:
      throw new UsageError(`unknown tokens command "${sub ?? ""}"\n\n${tokensUsage}`);
  }
}
