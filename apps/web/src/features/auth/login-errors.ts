/** Turns the login endpoint's answer into a sentence for the form; `null` means signed in. */
export function describeLoginResponse(status: number, body: unknown): string | null {
  if (status >= 200 && status < 300) return null;
  const message = readErrorMessage(body);
  switch (status) {
    case 401:
      return message ?? "That token is not valid.";
    case 403:
      return message ?? "This token cannot sign in to the dashboard (only admin and user tokens can).";
    default:
      return message ?? `Sign-in failed (HTTP ${status}).`;
  }
}

function readErrorMessage(body: unknown): string | null {
  if (typeof body !== "object" || body === null) return null;
  const error = (body as { error?: unknown }).error;
  if (typeof error !== "object" || error === null) return null;
  const message = (error as { message?: unknown }).message;
  return typeof message === "string" && message !== "" ? message : null;
}
