"use client";
import { useSearchParams } from "next/navigation";
import { useEffect, useEffectEvent, useRef, useState, type FormEvent } from "react";
import { describeLoginResponse } from "./login-errors.ts";
import { safeNextPath } from "./safe-next-path.ts";

export function LoginForm() {
  const params = useSearchParams();
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [isBusy, setBusy] = useState(false);

  // A sign-in link (`/login?code=…`, printed by `handoff start`) carries a one-time code, never a token:
  // the page posts it once, same-origin, and the server answers with a session cookie.
  const code = params.get("code");
  const triedCode = useRef(false);
  const signInWithCode = useEffectEvent((code: string) => void signIn({ code }));
  useEffect(() => {
    if (code === null || code === "" || triedCode.current) return;
    triedCode.current = true;
    signInWithCode(code);
  }, [code]);

  function submit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    void signIn({ token: token.trim() });
  }

  async function signIn(credentials: { token: string } | { code: string }): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      const response = await fetch("/api/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json" },
        credentials: "same-origin",
        body: JSON.stringify(credentials),
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
          placeholder="hf_…"
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
