import { describe, expect, it } from "vitest";
import { ApiErrorBody, httpStatusOf, toApiErrorBody } from "./api-error.ts";

describe("the API's one error shape", () => {
  it("moves a failure's extra fields into details and keeps the message unprefixed", () => {
    const body = toApiErrorBody({ kind: "result_lost", message: 'the result of "sink" was lost', machine: "b", lostAt: "2026-12-01T00:00:00.000Z" });
    expect(body).toEqual({ kind: "result_lost", message: 'the result of "sink" was lost', details: { machine: "b", lostAt: "2026-12-01T00:00:00.000Z" } });
    expect(ApiErrorBody.parse(body)).toEqual(body);
  });

  it("has no details when there are none", () => {
    expect(toApiErrorBody({ kind: "not_found", message: "no run" })).toEqual({ kind: "not_found", message: "no run" });
  });

  it("answers each kind with its HTTP status, a state conflict with 409", () => {
    expect(httpStatusOf("not_found")).toBe(404);
    expect(httpStatusOf("unauthorized")).toBe(401);
    expect(httpStatusOf("too_many_requests")).toBe(429);
    expect(httpStatusOf("result_lost")).toBe(409);
    expect(httpStatusOf("evicted")).toBe(409);
  });

  it("reads a kind it does not know (a newer server's)", () => {
    expect(ApiErrorBody.safeParse({ kind: "something_new", message: "…" }).success).toBe(true);
    expect(ApiErrorBody.safeParse({ message: "no kind" }).success).toBe(false);
  });
});
