import { isTrackedEnvelope, tracked, type TrackedEnvelope } from "@trpc/server";
import { z } from "zod";

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

const TrackedEnvelopeSchema = z.custom<TrackedEnvelope<unknown>>((value) => isTrackedEnvelope(value), "expected a tracked event ([id, data])");

/**
 * A subscription's `.output()`: the procedure answers an async iterable of tracked events (`tracked(id, data)`),
 * and each event's data is checked against `item` as it is sent (tRPC's output middleware sees the iterable,
 * not the items). The shape tRPC documents for subscription output validation.
 */
export function trackedAsyncIterable<TOut, TIn>(item: z.ZodType<TOut, TIn>) {
  return z
    .custom<AsyncIterable<TrackedEnvelope<TIn>>>((value) => isAsyncIterable(value), "expected an async iterable")
    .transform(async function* (iterable): AsyncGenerator<TrackedEnvelope<TOut>, void, unknown> {
      const iterator = iterable[Symbol.asyncIterator]();
      try {
        for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) {
          const [id, data] = TrackedEnvelopeSchema.parse(next.value);
          yield tracked(id, await item.parseAsync(data));
        }
      } finally {
        await iterator.return?.();
      }
    });
}
