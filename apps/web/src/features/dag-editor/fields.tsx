"use client";
import { useEffect, useState, type ReactNode } from "react";

/** A text input that applies its value on blur or Enter, and shows why a value was refused. */
export function CommitInput({
  label,
  value,
  onCommit,
  placeholder,
  testId,
  list,
}: {
  label: ReactNode;
  value: string;
  /** Returns a message to refuse the value, or null to accept it. */
  onCommit: (value: string) => string | null;
  placeholder?: string;
  testId?: string;
  list?: string;
}) {
  const [text, setText] = useState(value);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setText(value), [value]);
  const commit = () => {
    if (text === value) return setError(null);
    setError(onCommit(text));
  };
  return (
    <label className="field">
      <span>{label}</span>
      <input
        value={text}
        placeholder={placeholder}
        data-testid={testId}
        list={list}
        className={error === null ? undefined : "invalid"}
        onChange={(event) => setText(event.target.value)}
        onBlur={commit}
        onKeyDown={(event) => {
          if (event.key === "Enter") commit();
        }}
      />
      {error !== null && <span className="field-error">{error}</span>}
    </label>
  );
}

/** A number input that commits on blur; empty means "not set" (`undefined`). */
export function NumberInput({
  label,
  value,
  onCommit,
  min,
  integer = false,
  placeholder,
  testId,
}: {
  label: ReactNode;
  value: number | undefined;
  onCommit: (value: number | undefined) => void;
  min?: number;
  integer?: boolean;
  placeholder?: string;
  testId?: string;
}) {
  return (
    <CommitInput
      label={label}
      value={value === undefined ? "" : String(value)}
      placeholder={placeholder}
      testId={testId}
      onCommit={(text) => {
        const trimmed = text.trim();
        if (trimmed === "") {
          onCommit(undefined);
          return null;
        }
        const number = Number(trimmed);
        if (!Number.isFinite(number)) return "must be a number";
        if (integer && !Number.isInteger(number)) return "must be a whole number";
        if (min !== undefined && number < min) return `must be at least ${min}`;
        onCommit(number);
        return null;
      }}
    />
  );
}
