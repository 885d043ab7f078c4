import type { Statement } from 'better-sqlite3';
import type { AccessRepository, TokenHolder } from '../../../application/ports/access-repository.js';
import type { ApiToken, Role, User } from '../../../domain/access.js';
import { AlreadyExistsError, NotFoundError } from '../../../domain/errors.js';
import type { Millis } from '../../../domain/time.js';
import { tokenFromRow, tokenToRow, userFromRow, type TokenRow, type UserRow } from '../shared/access-rows.js';
import type { SqliteDatabase } from './sqlite-database.js';

const TOKEN_COLUMNS = 't.id, t.user_name, t.label, t.secret_hash, t.created_at, t.revoked_at, t.last_used_at';

export class SqliteAccessRepository implements AccessRepository {
  private readonly insertUser: Statement;
  private readonly userNamed: Statement;
  private readonly allUsers: Statement;
  private readonly setRole: Statement;
  private readonly deleteUser: Statement;
  private readonly insertToken: Statement;
  private readonly tokenWithUser: Statement;
  private readonly tokenById: Statement;
  private readonly allTokens: Statement;
  private readonly tokensOf: Statement;
  private readonly revoke: Statement;
  private readonly touch: Statement;

  constructor(private readonly db: SqliteDatabase) {
    const c = db.connection;
    this.insertUser = c.prepare('INSERT INTO users (name, role, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING');
    this.userNamed = c.prepare('SELECT name, role, created_at FROM users WHERE name = ?');
    this.allUsers = c.prepare('SELECT name, role, created_at FROM users ORDER BY name');
    this.setRole = c.prepare('UPDATE users SET role = ? WHERE name = ?');
    // The user's tokens go with it (ON DELETE CASCADE; the connection enforces foreign keys).
    this.deleteUser = c.prepare('DELETE FROM users WHERE name = ?');
    this.insertToken = c.prepare(
      `INSERT INTO api_tokens (id, user_name, label, secret_hash, created_at, revoked_at, last_used_at)
       VALUES (@id, @user_name, @label, @secret_hash, @created_at, @revoked_at, @last_used_at) ON CONFLICT (id) DO NOTHING`,
    );
    this.tokenWithUser = c.prepare(
      `SELECT ${TOKEN_COLUMNS}, u.role AS user_role, u.created_at AS user_created_at
       FROM api_tokens t JOIN users u ON u.name = t.user_name WHERE t.id = ?`,
    );
    this.tokenById = c.prepare(`SELECT ${TOKEN_COLUMNS} FROM api_tokens t WHERE t.id = ?`);
    this.allTokens = c.prepare(`SELECT ${TOKEN_COLUMNS} FROM api_tokens t ORDER BY t.created_at, t.id`);
    this.tokensOf = c.prepare(`SELECT ${TOKEN_COLUMNS} FROM api_tokens t WHERE t.user_name = ? ORDER BY t.created_at, t.id`);
    this.revoke = c.prepare('UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?');
    this.touch = c.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)');
  }

  addUser(user: User): Promise<void> {
    return this.db.write(() => {
      if (this.insertUser.run(user.name, user.role, user.createdAt).changes === 0) {
        throw new AlreadyExistsError(`a user named '${user.name}' already exists`);
      }
    });
  }

  async listUsers(): Promise<User[]> {
    return this.db.read(() => (this.allUsers.all() as UserRow[]).map(userFromRow));
  }

  changeRole(name: string, role: Role): Promise<User> {
    return this.db.write(() => {
      if (this.setRole.run(role, name).changes === 0) throw new NotFoundError('user', name);
      return userFromRow(this.userNamed.get(name) as UserRow);
    });
  }

  removeUser(name: string): Promise<void> {
    return this.db.write(() => {
      if (this.deleteUser.run(name).changes === 0) throw new NotFoundError('user', name);
    });
  }

  addToken(token: ApiToken): Promise<void> {
    return this.db.write(() => {
      if (this.userNamed.get(token.userName) === undefined) throw new NotFoundError('user', token.userName);
      if (this.insertToken.run(tokenToRow(token)).changes === 0) throw new AlreadyExistsError(`a token with id '${token.id}' already exists`);
    });
  }

  async findToken(id: string): Promise<TokenHolder | undefined> {
    return this.db.read(() => {
      const row = this.tokenWithUser.get(id) as (TokenRow & { user_role: Role; user_created_at: number }) | undefined;
      if (!row) return undefined;
      return { token: tokenFromRow(row), user: userFromRow({ name: row.user_name, role: row.user_role, created_at: row.user_created_at }) };
    });
  }

  async listTokens(userName?: string): Promise<ApiToken[]> {
    return this.db.read(() => ((userName === undefined ? this.allTokens.all() : this.tokensOf.all(userName)) as TokenRow[]).map(tokenFromRow));
  }

  revokeToken(id: string, at: Millis): Promise<ApiToken> {
    return this.db.write(() => {
      if (this.revoke.run(at, id).changes === 0) throw new NotFoundError('token', id);
      return tokenFromRow(this.tokenById.get(id) as TokenRow);
    });
  }

  touchToken(id: string, at: Millis): Promise<void> {
    return this.db.write(() => {
      this.touch.run(at, id, at);
    });
  }
}
