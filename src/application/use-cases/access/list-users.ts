import { inject, injectable } from 'tsyringe';
import { assertAccess, type Principal, type User } from '../../../domain/access.js';
import type { AccessRepository } from '../../ports/access-repository.js';
import { TOKENS } from '../../tokens.js';

@injectable()
export class ListUsers {
  constructor(@inject(TOKENS.Access) private readonly access: AccessRepository) {}

  /** Every user, by name. @throws PermissionDeniedError unless the actor is an admin */
  async execute(actor: Principal): Promise<User[]> {
    assertAccess(actor, 'admin', 'listing users');
    return this.access.listUsers();
  }
}
