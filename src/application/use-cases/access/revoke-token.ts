import { inject, injectable } from 'tsyringe';
import { assertAccess, type ApiToken, type Principal } from '../../../domain/access.js';
import type { AccessRepository } from '../../ports/access-repository.js';
import type { Clock } from '../../ports/clock.js';
import { TOKENS } from '../../tokens.js';

@injectable()
export class RevokeToken {
  constructor(
    @inject(TOKENS.Access) private readonly access: AccessRepository,
    @inject(TOKENS.Clock) private readonly clock: Clock,
  ) {}

  /**
   * Revokes a token: its next request fails (authentication reads the store on every request,
   * so on every server at once). Revoking again changes nothing.
   * @throws NotFoundError; PermissionDeniedError unless the actor is an admin
   */
  async execute(id: string, actor: Principal): Promise<ApiToken> {
    assertAccess(actor, 'admin', 'revoking a token');
    return this.access.revokeToken(id, this.clock.now());
  }
}
