import { AddUser } from '../../src/application/use-cases/access/add-user.js';
import { CreateToken } from '../../src/application/use-cases/access/create-token.js';
import type { Principal, Role } from '../../src/domain/access.js';
import type { TestFathom } from './fathom.js';

/** The operator, as the CLI acts: an admin nobody has to sign in as. */
const OPERATOR: Principal = { user: 'operator', role: 'admin' };

/** A user with this role and a fresh token of theirs; returns the token. */
export async function aUser(fathom: TestFathom, name: string, role: Role): Promise<string> {
  await fathom.use(AddUser).execute({ name, role }, OPERATOR);
  return (await fathom.use(CreateToken).execute(name, {}, OPERATOR)).token;
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

export function basic(user: string, token: string): { authorization: string } {
  return { authorization: `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}` };
}
