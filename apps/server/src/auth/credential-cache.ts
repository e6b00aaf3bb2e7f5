/**
 * Credentials (tokens, sessions) read from the database, kept by the hash of their secret so a request does not
 * read the database each time; the services read an entry again after their `recheckMs`. In memory today, bounded;
 * several server replicas would share one (Redis) behind this interface, so a revocation shows everywhere at once.
 */
export interface CredentialCache<V> {
  get(hash: string): V | undefined;
  set(hash: string, value: V): void;
  delete(hash: string): void;
  /** Drops every entry `matches` picks (those of a revoked token or session). */
  deleteWhere(matches: (value: V) => boolean): void;
}

/** At most `maxEntries`; past it the entry set longest ago goes first. */
export class InMemoryCredentialCache<V> implements CredentialCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly maxEntries = 10_000) {
    if (!(Number.isInteger(maxEntries) && maxEntries >= 1)) throw new RangeError(`maxEntries must be an integer ≥ 1, got ${maxEntries}`);
  }

  get(hash: string): V | undefined {
    return this.entries.get(hash);
  }

  set(hash: string, value: V): void {
    this.entries.delete(hash);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(hash, value);
  }

  delete(hash: string): void {
    this.entries.delete(hash);
  }

  deleteWhere(matches: (value: V) => boolean): void {
    for (const [hash, value] of this.entries) if (matches(value)) this.entries.delete(hash);
  }
}
