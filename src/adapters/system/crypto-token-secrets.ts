import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TokenSecrets } from '../../application/ports/token-secrets.js';

/** Token ids and secrets from the OS's CSPRNG; secrets hashed with SHA-256 and compared in constant time. */
export const cryptoTokenSecrets: TokenSecrets = {
  // 9 random bytes give 12 base64url characters; '_' becomes '-' so the id never holds the
  // separator, and a leading '-' becomes 'A' so the id is never read as an option by the CLI
  // (`fathom tokens revoke -r5…` would be).
  newId: () => randomBytes(9).toString('base64url').replaceAll('_', '-').replace(/^-/, 'A'),
  newSecret: () => randomBytes(32).toString('base64url'),
  hash: (secret) => createHash('sha256').update(secret, 'utf8').digest('hex'),
  sameHash: (a, b) => {
    const left = Buffer.from(a, 'hex');
    const right = Buffer.from(b, 'hex');
    // Both are SHA-256 digests (32 bytes); a stored value of another length never matches.
    return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
  },
};
