import type { AccessAction } from './access-command-line.js';
import { AddUser } from './application/use-cases/access/add-user.js';
import { ChangeUserRole } from './application/use-cases/access/change-user-role.js';
import { CreateToken } from './application/use-cases/access/create-token.js';
import { ListTokens } from './application/use-cases/access/list-tokens.js';
import { ListUsers } from './application/use-cases/access/list-users.js';
import { RemoveUser } from './application/use-cases/access/remove-user.js';
import { RevokeToken } from './application/use-cases/access/revoke-token.js';
import type { DependencyContainer } from 'tsyringe';
import { buildContainer } from './composition-root.js';
import type { Config } from './config.js';
import type { ApiToken, Principal } from './domain/access.js';
import { DomainError, InvalidArgumentError } from './domain/errors.js';
import { toIso } from './domain/time.js';

/** Whoever runs the CLI on the store acts as an admin: they could edit the database anyway. */
const OPERATOR: Principal = { user: 'operator', role: 'admin' };

/** A refusal worth one line on stderr (unknown user, bad role, …), not a stack trace. */
export class AccessCommandError extends Error {}

/** `fathom users …` / `fathom tokens …` on the configured store; prints the outcome. */
export async function runAccessCommand(config: Config, action: AccessAction, print: (line: string) => void = console.log): Promise<void> {
  const fathom = await buildContainer(config);
  const use = fathom.container.resolve.bind(fathom.container);
  try {
    switch (action.kind) {
      case 'users add': {
        const user = await use(AddUser).execute({ name: action.name, role: action.role }, OPERATOR);
        print(`added user '${user.name}' (${user.role}); make a token with: fathom tokens create '${user.name}'`);
        break;
      }
      case 'users list':
        printTable(print, ['NAME', 'ROLE', 'CREATED'], (await use(ListUsers).execute(OPERATOR)).map((u) => [u.name, u.role, toIso(u.createdAt)]));
        break;
      case 'users remove':
        await use(RemoveUser).execute(action.name, OPERATOR);
        print(`removed user '${action.name}' and their tokens (which no longer work)`);
        break;
      case 'users set-role': {
        const user = await use(ChangeUserRole).execute(action.name, action.role, OPERATOR);
        print(`user '${user.name}' is now ${user.role}`);
        break;
      }
      case 'tokens create': {
        const { record, token } = await use(CreateToken).execute(action.user, action.label === undefined ? {} : { label: action.label }, OPERATOR);
        print(`token ${record.id} for user '${record.userName}'${record.label ? ` (${record.label})` : ''}; it is shown this once, store it now:`);
        print('');
        print(`  ${token}`);
        print('');
        print('Send it as "Authorization: Bearer <token>" (the web UI asks for it when signing in);');
        print('MLflow clients: MLFLOW_TRACKING_TOKEN=<token>, or MLFLOW_TRACKING_USERNAME=<user> with MLFLOW_TRACKING_PASSWORD=<token>.');
        print(`Revoke it with: fathom tokens revoke ${record.id}`);
        break;
      }
      case 'tokens list':
        printTable(print, ['ID', 'USER', 'LABEL', 'CREATED', 'LAST USED', 'REVOKED'], (await use(ListTokens).execute(action.user, OPERATOR)).map(tokenRow));
        break;
      case 'tokens revoke': {
        const token = await use(RevokeToken).execute(action.id, OPERATOR);
        print(`revoked token ${token.id} of user '${token.userName}'`);
        break;
      }
    }
  } catch (error) {
    if (error instanceof InvalidArgumentError) {
      // The fields are the command's: '/role' is --role, '/name' the NAME.
      throw new AccessCommandError(error.issues.map((i) => `${i.path === '/name' ? 'NAME' : `--${i.path.slice(1)}`} ${i.message}`).join('; '));
    }
    if (error instanceof DomainError) throw new AccessCommandError(error.message);
    throw error;
  } finally {
    await fathom.close();
  }
}

function tokenRow(token: ApiToken): string[] {
  const when = (ms: number | undefined): string => (ms === undefined ? '-' : toIso(ms));
  return [token.id, token.userName, token.label ?? '-', when(token.createdAt), when(token.lastUsedAt), when(token.revokedAt)];
}

function printTable(print: (line: string) => void, header: string[], rows: string[][]): void {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  print(line(header));
  for (const row of rows) print(line(row));
}

/**
 * What a server with FATHOM_AUTH=token says about its users at start: with none, nobody can sign
 * in (a warning, with the next step); else who the admins are, so an operator notices one they
 * did not make (the admin API is open to anyone while a server runs with FATHOM_AUTH=none).
 */
export async function usersAtStart(container: DependencyContainer): Promise<{ level: 'info' | 'warn'; message: string }> {
  const users = await container.resolve(ListUsers).execute(OPERATOR);
  if (users.length === 0) {
    return {
      level: 'warn',
      message: "FATHOM_AUTH=token but there are no users yet: nobody can sign in. Make an admin with `fathom users add NAME --role admin`, then `fathom tokens create NAME`",
    };
  }
  const admins = users.filter((user) => user.role === 'admin').map((user) => `'${user.name}'`);
  return { level: 'info', message: `${users.length} users can sign in; admins: ${admins.join(', ')} (fathom users list)` };
}
