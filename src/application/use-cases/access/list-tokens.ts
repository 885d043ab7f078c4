import { inject, injectable } from 'tsyringe';
import { assertAccess, type ApiToken, type Principal } from '../../../domain/access.js';
import type { AccessRepository } from '../../ports/access-repository.js';
import { TOKENS } from '../../tokens.js';

@injectable()
export class ListTokens {
  constructor(@inject(TOKENS.Access) private readonly access: AccessRepository) {}

  /** Every token, or one user's, oldest first, revoked ones included. @throws PermissionDeniedError unless the actor is an admin */
  async execute(userName: string | undefined, actor: Principal): Promise<ApiToken[]> {
    assertAccess(actor, 'admin', 'listing tokens');
    return this.access.listTokens(userName);
  }
}
