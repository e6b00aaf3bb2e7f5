import { describe, expect, it } from "vitest";
import { UsageError } from "./args.ts";
import { schedules } from "./commands/schedules.ts";
import { webhooks } from "./commands/webhooks.ts";

// Flags are checked before the token or the server is looked at: each of these fails the same with no server and no
// token (a server that answered would show up as a different error). The real path is tests/cluster's triggers-cli.
describe("when schedules and webhooks commands are given bad flags", () => {
  const cases: readonly (readonly [(argv: readonly string[]) => Promise<number>, readonly string[], string])[] = [
    [schedules, ["add", "nightly", "--cron", "0 2 * * *", "--catch-up", "sometimes"], "--catch-up must be one of none, latest, all"],
    [schedules, ["add", "nightly", "--cron", "0 2 * * *", "--max-active", "0"], "--max-active must be an integer from 1 to 1000"],
    [schedules, ["add", "nightly", "--cron", "0 2 * * *", "--catch-up-limit", "101"], "--catch-up-limit must be an integer from 1 to 100"],
    [schedules, ["add", "nightly"], "add needs --cron EXPR"],
    [schedules, ["add", "nightly", "--cron", "* * * * *", "--enable"], "add takes --disabled"],
    [schedules, ["set", "s1"], "set needs at least one setting to change"],
    [schedules, ["set", "s1", "--enable", "--disable"], "--enable and --disable are exclusive"],
    [schedules, ["history", "s1", "--limit", "501"], "--limit must be an integer from 1 to 500"],
    [schedules, ["pause", "s1"], 'unknown schedules command "pause"'],
    [webhooks, ["add", "nightly"], "add needs DAG NAME"],
    [webhooks, ["list", "nightly", "--unsigned"], "--unsigned goes with add only"],
    [webhooks, ["rotate", "w1"], 'unknown webhooks command "rotate"'],
    [webhooks, ["history", "w1", "--limit", "x"], '--limit must be an integer from 1 to 200, got "x"'],
  ];
  for (const [command, argv, named] of cases) {
    it(`refuses "${command.name} ${argv.join(" ")}" naming what is wrong`, async () => {
      const saved = { token: process.env["HANDOFF_TOKEN"], url: process.env["HANDOFF_URL"] };
      process.env["HANDOFF_TOKEN"] = "";
      process.env["HANDOFF_URL"] = "http://127.0.0.1:9"; // nothing listens: a request would fail differently
      try {
        const error = await command(argv).then(() => undefined, (caught: unknown) => caught);
        expect(error).toBeInstanceOf(UsageError);
        expect((error as Error).message).toContain(named);
      } finally {
        process.env["HANDOFF_TOKEN"] = saved.token ?? "";
        if (saved.url === undefined) delete process.env["HANDOFF_URL"];
        else process.env["HANDOFF_URL"] = saved.url;
      }
    });
  }
});
