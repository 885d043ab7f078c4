import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccessCommandError, runAccessCommand, usersAtStart } from '../../src/access-commands.js';
import { buildContainer } from '../../src/composition-root.js';
import type { AccessAction } from '../../src/access-command-line.js';
import { loadConfig, type Config } from '../../src/config.js';

/** The CLI's commands in process, on a real SQLite store (the process tests run the built binary). */
describe('fathom users / tokens commands', () => {
  let dataDir: string;
  let config: Config;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fathom-access-cli-'));
    config = loadConfig(['--data-dir', dataDir], {});
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  async function run(action: AccessAction): Promise<string[]> {
    const lines: string[] = [];
    await runAccessCommand(config, action, (line) => lines.push(line));
    return lines;
  }

  it('adds, lists, re-roles and removes users; makes, lists and revokes tokens, printing each secret once', async () => {
    expect(await run({ kind: 'users add', name: 'root', role: 'admin' })).toEqual(["added user 'root' (admin); make a token with: fathom tokens create 'root'"]);
    await run({ kind: 'users add', name: 'ada', role: 'reader' });
    expect(await run({ kind: 'users set-role', name: 'ada', role: 'writer' })).toEqual(["user 'ada' is now writer"]);
    const users = await run({ kind: 'users list' });
    expect(users[0]).toMatch(/^NAME\s+ROLE\s+CREATED$/);
    expect(users.slice(1).map((line) => line.split(/\s+/).slice(0, 2))).toEqual([
      ['ada', 'writer'],
      ['root', 'admin'],
    ]);

    const created = await run({ kind: 'tokens create', user: 'ada', label: 'laptop' });
    const token = created.find((line) => line.trim().startsWith('fth_'))?.trim() as string;
    expect(token).toMatch(/^fth_/);
    expect(created[0]).toContain("for user 'ada' (laptop)");
    const id = token.slice(4, 16);
    const listed = await run({ kind: 'tokens list' });
    expect(listed[0]).toMatch(/^ID\s+USER\s+LABEL\s+CREATED\s+LAST USED\s+REVOKED$/);
    expect(listed[1]).toMatch(new RegExp(`^${id}\\s+ada\\s+laptop\\s+\\S+\\s+-\\s+-$`));
    expect(listed.join('\n')).not.toContain(token.slice(17));
    expect(await run({ kind: 'tokens revoke', id })).toEqual([`revoked token ${id} of user 'ada'`]);
    expect((await run({ kind: 'tokens list', user: 'ada' }))[1]).toMatch(/\d{4}-\d\d-\d\dT\S+Z$/);

    expect(await run({ kind: 'users remove', name: 'ada' })).toEqual(["removed user 'ada' and their tokens (which no longer work)"]);
    expect(await run({ kind: 'tokens list' })).toHaveLength(1);
  });

  it('turns refusals into one-line errors naming the command’s own options', async () => {
    await expect(run({ kind: 'users add', name: ' ', role: 'owner' })).rejects.toThrow(new AccessCommandError('NAME must be 1-256 characters (not counting surrounding spaces); --role must be one of admin, writer, reader'));
    await expect(run({ kind: 'tokens create', user: 'nobody' })).rejects.toThrow(AccessCommandError);
    await run({ kind: 'users add', name: 'root', role: 'admin' });
    await expect(run({ kind: 'users remove', name: 'root' })).rejects.toThrow("'root' is the only admin");
  });

  it('says at a server start who can sign in: a warning with the next step when nobody can, else the admins', async () => {
    const opened = await buildContainer(config);
    try {
      const none = await usersAtStart(opened.container);
      expect(none.level).toBe('warn');
      expect(none.message).toContain('fathom users add NAME --role admin');
      await run({ kind: 'users add', name: 'root', role: 'admin' });
      await run({ kind: 'users add', name: 'ada', role: 'writer' });
      expect(await usersAtStart(opened.container)).toEqual({ level: 'info', message: "2 users can sign in; admins: 'root' (fathom users list)" });
    } finally {
      await opened.close();
    }
  });
});
