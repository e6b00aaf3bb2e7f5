"use client";
import { CommitInput } from "./fields.tsx";
import { fieldText, paramFields, readField, withArg } from "./params-form.ts";

/**
 * The extra args as a form generated from the function's params schema (one titled field per position),
 * when the params are a fixed list; nothing otherwise (the JSON view below it edits any list).
 */
export function ParamsForm({ params, value, onCommit }: { params: Record<string, unknown> | undefined; value: readonly unknown[] | undefined; onCommit: (value: unknown[]) => void }) {
  const fields = paramFields(params);
  if (fields === null) return null;
  const current = value ?? [];
  return (
    <div className="stack" style={{ gap: 6 }} data-testid="params-form">
      {fields.map((field) => (
        <CommitInput
          key={field.index}
          label={
            <>
              {field.title}
              {field.isRequired ? " *" : ""}
              {field.description !== undefined && <span className="muted"> — {field.description}</span>}
            </>
          }
          value={fieldText(field, current[field.index])}
          placeholder={field.kind === "json" ? "any JSON value (or text)" : field.kind}
          testId={`param-${field.index}`}
          onCommit={(text) => {
            const read = readField(field, text);
            if (!read.ok) return read.message;
            onCommit(withArg(current, field.index, read.value));
            return null;
          }}
        />
      ))}
    </div>
  );
}
