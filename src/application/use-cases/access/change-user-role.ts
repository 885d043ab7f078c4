import { inject, injectable } from 'tsyringe';
import { assertAccess, assertNotLastAdmin, checkRole, type Principal, type User } from '../../../domain/access.js';
import { Issues } from '../../../domain/errors.js';
import type { AccessRepository } from '../../ports/access-repository.js';
import { TOKENS } from '../../tokens.js';

@injectable()
export class ChangeUserRole {
  constructor(@inject(TOKENS.Access) private readonly access: AccessRepository) {}

  /**
   * Gives a user another role; it applies to their next request (tokens carry no role).
   * @throws InvalidArgumentError (role); NotFoundError; ConflictError when it would demote the only admin;
   *   PermissionDeniedError unless the actor is an admin
   */
  async execute(name: string, role: string, actor: Principal): Promise<User> {
    assertAccess(actor, 'admin', 'changing a role');
    const issues = new Issues();
    const checked = checkRole(role, issues);
    issues.throwIfAny();
    // Best effort: two admins demoting each other at the same instant could both pass.
    assertNotLastAdmin(await this.access.listUsers(), name, checked);
    return this.access.changeRole(name, checked);
  }
}
