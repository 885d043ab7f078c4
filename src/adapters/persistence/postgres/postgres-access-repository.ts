import type { AccessRepository, TokenHolder } from '../../../application/ports/access-repository.js';
import type { ApiToken, Role, User } from '../../../domain/access.js';
import { AlreadyExistsError, NotFoundError } from '../../../domain/errors.js';
import type { Millis } from '../../../domain/time.js';
import { tokenFromRow, tokenToRow, userFromRow, type TokenRow, type UserRow } from '../shared/access-rows.js';
import type { PostgresDatabase } from './postgres-database.js';
import { storable } from './postgres-text.js';

const TOKEN_COLUMNS = 't.id, t.user_name, t.label, t.secret_hash, t.created_at, t.revoked_at, t.last_used_at';

/** Users and tokens; each change is one statement, so the database's row locks are all it needs. */
export class PostgresAccessRepository implements AccessRepository {
  constructor(private readonly db: PostgresDatabase) {}

  async addUser(user: User): Promise<void> {
    await this.db.write(async (sql) => {
      const { rowCount } = await sql.query('INSERT INTO users (name, role, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING', [
        user.name,
        user.role,
        user.createdAt,
      ]);
      if (rowCount === 0) throw new AlreadyExistsError(`a user named '${user.name}' already exists`);
    });
  }

  async listUsers(): Promise<User[]> {
    const { rows } = await this.db.read((sql) => sql.query<UserRow>('SELECT name, role, created_at FROM users ORDER BY name'));
    return rows.map(userFromRow);
  }

  async changeRole(name: string, role: Role): Promise<User> {
    if (!storable(name)) throw new NotFoundError('user', name);
    return this.db.write(async (sql) => {
      const { rows } = await sql.query<UserRow>('UPDATE users SET role = $2 WHERE name = $1 RETURNING name, role, created_at', [name, role]);
      if (!rows[0]) throw new NotFoundError('user', name);
      return userFromRow(rows[0]);
    });
  }

  async removeUser(name: string): Promise<void> {
    if (!storable(name)) throw new NotFoundError('user', name);
    await this.db.write(async (sql) => {
      // Its tokens go with it (ON DELETE CASCADE).
      const { rowCount } = await sql.query('DELETE FROM users WHERE name = $1', [name]);
      if (rowCount === 0) throw new NotFoundError('user', name);
    });
  }

  async addToken(token: ApiToken): Promise<void> {
    if (!storable(token.userName)) throw new NotFoundError('user', token.userName);
    const row = tokenToRow(token);
    await this.db.write(async (sql) => {
      // The user is locked FOR KEY SHARE (as the foreign key would), so a concurrent removal waits.
      const { rows } = await sql.query<{ found: boolean; added: boolean }>(
        `WITH owner AS (SELECT name FROM users WHERE name = $2 FOR KEY SHARE),
         added AS (
           INSERT INTO api_tokens (id, user_name, label, secret_hash, created_at, revoked_at, last_used_at)
           SELECT $1, owner.name, $3, $4, $5, $6, $7 FROM owner
           ON CONFLICT (id) DO NOTHING RETURNING 1
         )
         SELECT EXISTS (SELECT 1 FROM owner) AS found, EXISTS (SELECT 1 FROM added) AS added`,
        [row.id, row.user_name, row.label, row.secret_hash, row.created_at, row.revoked_at, row.last_used_at],
      );
      if (!rows[0]?.found) throw new NotFoundError('user', token.userName);
      if (!rows[0].added) throw new AlreadyExistsError(`a token with id '${token.id}' already exists`);
    });
  }

  async findToken(id: string): Promise<TokenHolder | undefined> {
    if (!storable(id)) return undefined;
    const { rows } = await this.db.read((sql) =>
      sql.query<TokenRow & { user_role: Role; user_created_at: number }>(
        `SELECT ${TOKEN_COLUMNS}, u.role AS user_role, u.created_at AS user_created_at
         FROM api_tokens t JOIN users u ON u.name = t.user_name WHERE t.id = $1`,
        [id],
      ),
    );
    const row = rows[0];
    if (!row) return undefined;
    return { token: tokenFromRow(row), user: userFromRow({ name: row.user_name, role: row.user_role, created_at: row.user_created_at }) };
  }

  async listTokens(userName?: string): Promise<ApiToken[]> {
    if (userName !== undefined && !storable(userName)) return [];
    const { rows } = await this.db.read((sql) =>
      userName === undefined
        ? sql.query<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens t ORDER BY t.created_at, t.id`)
        : sql.query<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens t WHERE t.user_name = $1 ORDER BY t.created_at, t.id`, [userName]),
    );
    return rows.map(tokenFromRow);
  }

  async revokeToken(id: string, at: Millis): Promise<ApiToken> {
    if (!storable(id)) throw new NotFoundError('token', id);
    return this.db.write(async (sql) => {
      const { rows } = await sql.query<TokenRow>(
        `UPDATE api_tokens t SET revoked_at = COALESCE(t.revoked_at, $2) WHERE t.id = $1 RETURNING ${TOKEN_COLUMNS}`,
        [id, at],
      );
      if (!rows[0]) throw new NotFoundError('token', id);
      return tokenFromRow(rows[0]);
    });
  }

  async touchToken(id: string, at: Millis): Promise<void> {
    if (!storable(id)) return;
    await this.db.write(async (sql) => {
      await sql.query('UPDATE api_tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)', [id, at]);
    });
  }
}
