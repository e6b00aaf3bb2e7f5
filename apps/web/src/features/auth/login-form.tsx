"use client";
import { useSearchParams } from "next/navigation";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { describeLoginResponse } from "./login-errors.ts";
import { safeNextPath } from "./safe-next-path.ts";

export function LoginForm() {
  const params = useSearchParams();
  const [token, setToken] = useState(params.get("token") ?? "");
  const [error, setError] = useState<string | null>(null);
  const [isBusy, setBusy] = useState(false);

  // A sign-in link (`/login?token=…`, printed by the embedded default) signs in without typing.
  const linkToken = params.get("token");
  const triedLink = useRef(false);
  useEffect(() => {
    if (linkToken === null || linkToken === "" || triedLink.current) return;
    triedLink.current = true;
    void signIn(linkToken);
  }, [linkToken]);

  function submit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    void signIn(token);
  }

  async function signIn(token: string): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      const response = await fetch("/api/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json" },
        credentials: "same-origin",
        body: JSON.stringify({ token: token.trim() }),
      });
      const body: unknown = response.status === 204 ? null : await response.json().catch(() => null);
      const problem = describeLoginResponse(response.status, body);
      if (problem === null) {
        window.location.assign(safeNextPath(params.get("next")));
        return;
      }
      setError(problem);
    } catch (cause) {
      setError(`Cannot reach the server: ${(cause as Error).message}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="stack" onSubmit={submit}>
      <label className="field">
        <span>Token</span>
        <input
          name="token"
          type="password"
          autoComplete="current-password"
          autoFocus
          required
          value={token}
          onChange={(event) => setToken(event.target.value)}
          placeholder="hnd_…"
        />
      </label>
      {error !== null && (
        <p className="error" role="alert" data-testid="login-error">
          {error}
        </p>
      )}
      <button type="submit" className="btn btn-primary" disabled={isBusy || token.trim() === ""}>
        {isBusy ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
