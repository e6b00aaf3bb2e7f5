import type { TokenKind } from "@handoff/db";

/** Who is calling: the token (or the dashboard session opened with it) behind a request. */
export interface Principal {
  readonly tokenId: string;
  readonly name: string;
  readonly kind: TokenKind;
  /** Set when the request came with a dashboard session rather than the token itself. */
  readonly sessionId?: string;
  /** When the credential stops working on its own (token expiry, session's absolute end). */
  readonly expiresAt?: Date;
}

/** The request's side of the context: who calls, from where, and until when. */
export interface Caller {
  readonly principal: Principal | undefined;
  /** Where the request came from (HANDOFF_TRUST_PROXY decides whether X-Forwarded-For counts). */
  readonly clientAddress: string;
  /** Aborts when the token or session behind this request is revoked or expires (ends subscriptions). */
  readonly credentialSignal: AbortSignal | undefined;
}
