import { inject, injectable } from 'tsyringe';
import { assertAccess, newUser, type Principal, type User } from '../../../domain/access.js';
import type { AccessRepository } from '../../ports/access-repository.js';
import type { Clock } from '../../ports/clock.js';
import { TOKENS } from '../../tokens.js';

@injectable()
export class AddUser {
  constructor(
    @inject(TOKENS.Access) private readonly access: AccessRepository,
    @inject(TOKENS.Clock) private readonly clock: Clock,
  ) {}

  /** @throws InvalidArgumentError (name, role); AlreadyExistsError; PermissionDeniedError unless the actor is an admin */
  async execute(input: { name: string; role: string }, actor: Principal): Promise<User> {
    assertAccess(actor, 'admin', 'adding a user');
    const user = newUser(input, this.clock.now());
    await this.access.addUser(user);
    return user;
  }
}
