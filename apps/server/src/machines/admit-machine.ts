/** Why a hello was refused: `unauthorized` (no credential that admits it) or `forbidden` (the name is someone else's). */
export type AdmissionRefusal = { readonly ok: false; readonly kind: "unauthorized" | "forbidden"; readonly message: string };
export type Admission = { readonly ok: true; /** A new identity: bind the key to the name. */ readonly isNewIdentity: boolean } | AdmissionRefusal;

/**
 * Whether a hello that proved `presentedKey` may take the machine name: the key bound to the name is the credential;
 * a join token admits only a name no identity holds yet (binding the key). Pure: the caller has checked the signature.
 * @example admitMachine({ name: "gpu-1", boundKey: null, presentedKey: key, hasJoinToken: true }) // { ok: true, isNewIdentity: true }
 */
export function admitMachine(request: { readonly name: string; readonly boundKey: string | null; readonly presentedKey: string; readonly hasJoinToken: boolean }): Admission {
  const { name, boundKey, presentedKey, hasJoinToken } = request;
  if (boundKey === presentedKey) return { ok: true, isNewIdentity: false };
  if (boundKey !== null) {
    return {
      ok: false,
      kind: "forbidden",
      message: `machine "${name}" belongs to another identity (a different key); an admin can forget it (handoff machines forget ${name}) to free the name`,
    };
  }
  if (!hasJoinToken) {
    return { ok: false, kind: "unauthorized", message: `machine "${name}" is not known to this server: a valid join token (HANDOFF_JOIN_TOKEN or --token-file) is needed to join` };
  }
  return { ok: true, isNewIdentity: true };
}
