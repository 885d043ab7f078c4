import type { ApiToken, User } from '../../../domain/access.js';

/** Rows of `users` and `api_tokens`, the same columns in SQLite and PostgreSQL. */
export interface UserRow {
  name: string;
  role: User['role'];
  created_at: number;
}

export interface TokenRow {
  id: string;
  user_name: string;
  label: string | null;
  secret_hash: string;
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
}

export function userFromRow(row: UserRow): User {
  return { name: row.name, role: row.role, createdAt: row.created_at };
}

export function tokenFromRow(row: TokenRow): ApiToken {
  const token: ApiToken = { id: row.id, userName: row.user_name, secretHash: row.secret_hash, createdAt: row.created_at };
  if (row.label !== null) token.label = row.label;
  if (row.revoked_at !== null) token.revokedAt = row.revoked_at;
  if (row.last_used_at !== null) token.lastUsedAt = row.last_used_at;
  return token;
}

export function tokenToRow(token: ApiToken): TokenRow {
  return {
    id: token.id,
    user_name: token.userName,
    label: token.label ?? null,
    secret_hash: token.secretHash,
    created_at: token.createdAt,
    revoked_at: token.revokedAt ?? null,
    last_used_at: token.lastUsedAt ?? null,
  };
}
