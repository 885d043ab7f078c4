import type { AccessRepository, TokenHolder } from '../../../application/ports/access-repository.js';
import type { ApiToken, Role, User } from '../../../domain/access.js';
import { AlreadyExistsError, NotFoundError } from '../../../domain/errors.js';
import { compareText } from '../../../domain/paging.js';
import type { Millis } from '../../../domain/time.js';
import { copy } from './memory-database.js';

/** Users and tokens in maps; every method runs between awaits, so each is atomic. */
export class MemoryAccessRepository implements AccessRepository {
  private readonly users = new Map<string, User>();
  private readonly tokens = new Map<string, ApiToken>();

  async addUser(user: User): Promise<void> {
    if (this.users.has(user.name)) throw new AlreadyExistsError(`a user named '${user.name}' already exists`);
    this.users.set(user.name, copy(user));
  }

  async listUsers(): Promise<User[]> {
    return [...this.users.values()].sort((a, b) => compareText(a.name, b.name)).map(copy);
  }

  async changeRole(name: string, role: Role): Promise<User> {
    const user = this.requireUser(name);
    user.role = role;
    return copy(user);
  }

  async removeUser(name: string): Promise<void> {
    this.requireUser(name);
    this.users.delete(name);
    for (const [id, token] of this.tokens) if (token.userName === name) this.tokens.delete(id);
  }

  async addToken(token: ApiToken): Promise<void> {
    this.requireUser(token.userName);
    if (this.tokens.has(token.id)) throw new AlreadyExistsError(`a token with id '${token.id}' already exists`);
    this.tokens.set(token.id, copy(token));
  }

  async findToken(id: string): Promise<TokenHolder | undefined> {
    const token = this.tokens.get(id);
    const user = token && this.users.get(token.userName);
    return token && user ? { token: copy(token), user: copy(user) } : undefined;
  }

  async listTokens(userName?: string): Promise<ApiToken[]> {
    return [...this.tokens.values()]
      .filter((t) => userName === undefined || t.userName === userName)
      .sort((a, b) => a.createdAt - b.createdAt || compareText(a.id, b.id))
      .map(copy);
  }

  async revokeToken(id: string, at: Millis): Promise<ApiToken> {
    const token = this.tokens.get(id);
    if (!token) throw new NotFoundError('token', id);
    token.revokedAt ??= at;
    return copy(token);
  }

  async touchToken(id: string, at: Millis): Promise<void> {
    const token = this.tokens.get(id);
    if (token && (token.lastUsedAt === undefined || token.lastUsedAt < at)) token.lastUsedAt = at;
  }

  private requireUser(name: string): User {
    const user = this.users.get(name);
    if (!user) throw new NotFoundError('user', name);
    return user;
  }
}
