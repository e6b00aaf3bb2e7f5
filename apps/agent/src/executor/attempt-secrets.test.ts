import { describe, expect, it } from "vitest";
import type { TaskAssignItem } from "@handoff/protocol";
import { createRedactor, redactReport, secretNamesOf, withSecrets } from "./attempt-secrets.ts";

const item: TaskAssignItem = {
  attemptId: "r/load#1",
  runId: "r",
  taskId: "load",
  attempt: 1,
  fn: "db.load",
  inputs: [
    { kind: "result", taskId: "a", machine: "m" },
    { kind: "inline", taskId: "cfg", fn: "cfg", inputs: [{ kind: "inline", taskId: "deep", fn: "d", inputs: [], extraArgs: [{ secret: "token" }], argumentInclusion: "variadic" }], extraArgs: [{ secret: "dsn" }], argumentInclusion: "variadic" },
  ],
  extraArgs: ["q", { user: "etl", password: { secret: "warehouse" } }],
  argumentInclusion: "variadic",
};

describe("an assignment that refers to secrets", () => {
  it("names every secret it and its inline tasks refer to", () => {
    expect(secretNamesOf(item).sort()).toEqual(["dsn", "token", "warehouse"]);
  });

  it("gets the values in a copy; the item itself keeps the references", () => {
    const call = withSecrets(item, { warehouse: "pw-1", dsn: "pg://", token: "t-1" });
    expect(call.extraArgs).toEqual(["q", { user: "etl", password: "pw-1" }]);
    expect(call.inputs[1]).toMatchObject({ extraArgs: ["pg://"], inputs: [{ extraArgs: ["t-1"] }] });
    expect(item.extraArgs[1]).toEqual({ user: "etl", password: { secret: "warehouse" } });
  });
});

describe("redacting what the agent reports", () => {
  const redact = createRedactor({ warehouse: 'pa"ss-word', short: "ab" });

  it("replaces each value, as written and JSON-escaped, but not values too short to mean anything", () => {
    expect(redact('login failed for pa"ss-word')).toBe("login failed for [secret]");
    expect(redact(JSON.stringify({ password: 'pa"ss-word' }))).toBe('{"password":"[secret]"}');
    expect(redact("abc")).toBe("abc");
  });

  it("redacts a failure's message and a success's preview", () => {
    expect(redactReport({ ok: false, attemptId: "a", error: { kind: "function_failed", message: 'bad pa"ss-word' } }, redact)).toMatchObject({ error: { message: "bad [secret]" } });
    expect(redactReport({ ok: true, attemptId: "a", result: { size: 1, contentType: "application/json", preview: '"pa\\"ss-word"', truncated: false }, metrics: { wallMs: 1 } }, redact)).toMatchObject({
      result: { preview: '"[secret]"' },
    });
  });
});
