import { inject, injectable } from 'tsyringe';
import { assertAccess, checkTokenLabel, formatToken, type ApiToken, type Principal } from '../../../domain/access.js';
import type { AccessRepository } from '../../ports/access-repository.js';
import type { Clock } from '../../ports/clock.js';
import type { TokenSecrets } from '../../ports/token-secrets.js';
import { TOKENS } from '../../tokens.js';

export interface CreatedToken {
  /** The stored record (its secret's hash only). */
  record: ApiToken;
  /** `fth_<id>_<secret>`: shown this once, never stored, never retrievable again. */
  token: string;
}

@injectable()
export class CreateToken {
  constructor(
    @inject(TOKENS.Access) private readonly access: AccessRepository,
    @inject(TOKENS.TokenSecrets) private readonly secrets: TokenSecrets,
    @inject(TOKENS.Clock) private readonly clock: Clock,
  ) {}

  /** @throws NotFoundError (the user); InvalidArgumentError (label); PermissionDeniedError unless the actor is an admin */
  async execute(userName: string, options: { label?: string }, actor: Principal): Promise<CreatedToken> {
    assertAccess(actor, 'admin', 'creating a token');
    const label = checkTokenLabel(options.label);
    const secret = this.secrets.newSecret();
    const record: ApiToken = { id: this.secrets.newId(), userName, secretHash: this.secrets.hash(secret), createdAt: this.clock.now() };
    if (label !== undefined) record.label = label;
    await this.access.addToken(record);
    return { record, token: formatToken(record.id, secret) };
  }
}
