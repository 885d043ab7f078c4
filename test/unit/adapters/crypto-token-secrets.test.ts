import { describe, expect, it } from 'vitest';
import { cryptoTokenSecrets } from '../../../src/adapters/system/crypto-token-secrets.js';

describe('token ids and secrets from the operating system', () => {
  it('makes ids of 12 URL-safe characters that never hold the separator nor start with a dash (the CLI would take it for an option)', () => {
    // A leading '-' came once in 32 ids before it was ruled out: 4,000 ids would show it.
    const ids = Array.from({ length: 4000 }, () => cryptoTokenSecrets.newId());
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9][A-Za-z0-9-]{11}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('makes 256-bit secrets and compares their hashes, never matching another length', () => {
    const secret = cryptoTokenSecrets.newSecret();
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    const hash = cryptoTokenSecrets.hash(secret);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(cryptoTokenSecrets.sameHash(hash, cryptoTokenSecrets.hash(secret))).toBe(true);
    expect(cryptoTokenSecrets.sameHash(hash, cryptoTokenSecrets.hash(`${secret}x`))).toBe(false);
    expect(cryptoTokenSecrets.sameHash(hash, hash.slice(0, 62))).toBe(false);
    expect(cryptoTokenSecrets.sameHash('', '')).toBe(false);
  });
});
