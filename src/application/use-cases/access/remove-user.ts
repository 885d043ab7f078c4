import { inject, injectable } from 'tsyringe';
import { assertAccess, assertNotLastAdmin, type Principal } from '../../../domain/access.js';
import type { AccessRepository } from '../../ports/access-repository.js';
import { TOKENS } from '../../tokens.js';

@injectable()
export class RemoveUser {
  constructor(@inject(TOKENS.Access) private readonly access: AccessRepository) {}

  /**
   * Removes a user and every token of theirs (which stop working at once). What they created
   * keeps their name as its creator.
   * @throws NotFoundError; ConflictError for the only admin; PermissionDeniedError unless the actor is an admin
   */
  async execute(name: string, actor: Principal): Promise<void> {
    assertAccess(actor, 'admin', 'removing a user');
    // Best effort: two admins removing each other at the same instant could both pass.
    assertNotLastAdmin(await this.access.listUsers(), name);
    await this.access.removeUser(name);
  }
}
