/** One-time sign-in codes: a link that opens a dashboard session for a token, once, for 10 minutes. */
export interface SignInService {
  mint(tokenId: string): Promise<{ code: string; expiresAt: Date }>;
}
