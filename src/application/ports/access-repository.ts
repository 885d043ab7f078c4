import type { ApiToken, Role, User } from '../../domain/access.js';
import type { Millis } from '../../domain/time.js';

/** A token with the user it belongs to, as authentication needs them: one lookup per request. */
export interface TokenHolder {
  token: ApiToken;
  user: User;
}

/**
 * Users and their API tokens. Tokens are kept as their secret's hash only. A token belongs to
 * exactly one existing user: removing the user removes its tokens in the same write, so a token
 * never outlives its user (nor comes back if the name is given to a new user).
 */
export interface AccessRepository {
  /** @throws AlreadyExistsError when a user has this name. */
  addUser(user: User): Promise<void>;
  /** Every user, by name (code point order). */
  listUsers(): Promise<User[]>;
  /** @returns the changed user. @throws NotFoundError */
  changeRole(name: string, role: Role): Promise<User>;
  /** Removes the user and every token of theirs. @throws NotFoundError */
  removeUser(name: string): Promise<void>;
  /**
   * Stores a token record as given (revokedAt and lastUsedAt included, so a copied store keeps them).
   * @throws NotFoundError when its user does not exist; AlreadyExistsError when the id is taken.
   */
  addToken(token: ApiToken): Promise<void>;
  /** The token with this id and its user, or undefined when there is none. */
  findToken(id: string): Promise<TokenHolder | undefined>;
  /** Tokens, oldest first (then by id): all of them, or one user's. Revoked ones included. */
  listTokens(userName?: string): Promise<ApiToken[]>;
  /**
   * Revokes a token from `at` on; revoking a revoked token keeps its first revocation time.
   * @returns the stored record. @throws NotFoundError
   */
  revokeToken(id: string, at: Millis): Promise<ApiToken>;
  /** Records that the token was used at `at` (never moves backwards); an unknown id is ignored. */
  touchToken(id: string, at: Millis): Promise<void>;
}
