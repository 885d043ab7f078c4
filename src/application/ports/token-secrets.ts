/**
 * The randomness and hashing behind API tokens, kept out of the domain (which stays pure). Ids are
 * public lookup keys; secrets are what proves a token, and only their hashes are ever stored.
 */
export interface TokenSecrets {
  /** A fresh public id: about 12 URL-safe characters, letters, digits and '-' (never '_'). */
  newId(): string;
  /** A fresh secret: 32 random bytes, base64url. */
  newSecret(): string;
  /** SHA-256 of the secret, hex. */
  hash(secret: string): string;
  /** Whether two hashes are equal, compared in constant time. */
  sameHash(a: string, b: string): boolean;
}
