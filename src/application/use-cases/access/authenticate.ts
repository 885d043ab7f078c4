import { inject, injectable } from 'tsyringe';
import { parseToken, type Principal } from '../../../domain/access.js';
import { UnauthenticatedError } from '../../../domain/errors.js';
import type { AccessRepository } from '../../ports/access-repository.js';
import type { Clock } from '../../ports/clock.js';
import type { TokenSecrets } from '../../ports/token-secrets.js';
import { TOKENS } from '../../tokens.js';

/** What a request presented: a bearer token, or HTTP Basic's user and password (the password being a token). */
export type Credential = { kind: 'bearer'; token: string } | { kind: 'basic'; user: string; token: string };

/** A token's last use is written at most this often, so a busy token costs no write per request. */
export const LAST_USED_GRANULARITY_MS = 60_000;

@injectable()
export class Authenticate {
  constructor(
    @inject(TOKENS.Access) private readonly access: AccessRepository,
    @inject(TOKENS.TokenSecrets) private readonly secrets: TokenSecrets,
    @inject(TOKENS.Clock) private readonly clock: Clock,
  ) {}

  /**
   * Who the credential proves. Nothing is cached: a revoked token or removed user fails on the
   * very next request, on every server sharing the store. Messages never repeat the credential.
   * @throws UnauthenticatedError
   */
  async execute(credential: Credential): Promise<Principal> {
    const parts = parseToken(credential.token);
    if (!parts) throw new UnauthenticatedError('the credential is not a Fathom API token (fth_…)');
    const found = await this.access.findToken(parts.id);
    // The hash is compared in constant time, so the time taken says nothing about the secret.
    if (!found || !this.secrets.sameHash(this.secrets.hash(parts.secret), found.token.secretHash)) {
      throw new UnauthenticatedError('the token is unknown (or its user was removed)');
    }
    if (found.token.revokedAt !== undefined) throw new UnauthenticatedError('the token was revoked');
    if (credential.kind === 'basic' && credential.user !== found.user.name) {
      throw new UnauthenticatedError('the user name does not match the token’s user');
    }
    const now = this.clock.now();
    if (found.token.lastUsedAt === undefined || now - found.token.lastUsedAt >= LAST_USED_GRANULARITY_MS) {
      await this.access.touchToken(found.token.id, now);
    }
    return { user: found.user.name, role: found.user.role };
  }
}
