import { describe, expect, it } from 'vitest';
import { ConfigError, loadCommand, loadConfig, openToTheNetwork, USAGE } from '../../src/config.js';

describe('FATHOM_AUTH (--auth)', () => {
  it('is none unless set; token by variable or flag; anything else is refused naming the setting', () => {
    expect(loadConfig([], {}).auth).toBe('none');
    expect(loadConfig([], { FATHOM_AUTH: 'token' }).auth).toBe('token');
    expect(loadConfig(['--auth', 'token'], { FATHOM_AUTH: 'none' }).auth).toBe('token');
    expect(() => loadConfig([], { FATHOM_AUTH: 'password' })).toThrow("FATHOM_AUTH (--auth) must be 'none' or 'token', not 'password'");
    expect(USAGE).toContain('--auth none|token');
  });
});

describe('openToTheNetwork', () => {
  it('warns when a non-loopback address serves without authentication', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.20', 'fathom.example.com']) {
      expect(openToTheNetwork({ host, auth: 'none' })).toContain('anyone who can reach this server can read, change and delete everything');
      expect(openToTheNetwork({ host, auth: 'none' })).toContain('FATHOM_AUTH=token');
      expect(openToTheNetwork({ host, auth: 'token' })).toBeUndefined();
    }
  });

  it('stays quiet on loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) expect(openToTheNetwork({ host, auth: 'none' })).toBeUndefined();
  });
});

describe('fathom users / fathom tokens', () => {
  it('reads each subcommand, its names and flags; the rest configures the store', () => {
    expect(loadCommand(['users', 'add', 'ada', '--role', 'admin', '--data-dir', '/data'], {})).toEqual({
      name: 'access',
      config: loadConfig(['--data-dir', '/data'], {}),
      action: { kind: 'users add', name: 'ada', role: 'admin' },
    });
    const env = { FATHOM_DATA_DIR: '/env' };
    const action = (argv: string[]) => {
      const command = loadCommand(argv, env);
      return command.name === 'access' ? command.action : undefined;
    };
    expect(action(['users', 'set-role', '--role=reader', 'ada'])).toEqual({ kind: 'users set-role', name: 'ada', role: 'reader' });
    expect(action(['users', 'list'])).toEqual({ kind: 'users list' });
    expect(action(['users', 'remove', 'ada'])).toEqual({ kind: 'users remove', name: 'ada' });
    expect(action(['tokens', 'create', 'ada', '--label', 'CI box'])).toEqual({ kind: 'tokens create', user: 'ada', label: 'CI box' });
    expect(action(['tokens', 'create', 'ada'])).toEqual({ kind: 'tokens create', user: 'ada' });
    expect(action(['tokens', 'list'])).toEqual({ kind: 'tokens list' });
    expect(action(['tokens', 'list', 'ada', '--store=sqlite'])).toEqual({ kind: 'tokens list', user: 'ada' });
    expect(action(['tokens', 'revoke', 'AbC-123'])).toEqual({ kind: 'tokens revoke', id: 'AbC-123' });
    const command = loadCommand(['tokens', 'list', '--data-dir', '/flag'], env);
    expect(command.name === 'access' && command.config.dataDir).toBe('/flag');
  });

  it('refuses what it cannot read, saying how to use it', () => {
    expect(() => loadCommand(['users'], {})).toThrow('fathom users takes add, list, remove, set-role');
    expect(() => loadCommand(['tokens', 'delete', 'x'], {})).toThrow("fathom tokens takes create, list, revoke, not 'delete'");
    expect(() => loadCommand(['users', 'add', 'ada'], {})).toThrow('usage: fathom users add NAME --role admin|writer|reader');
    expect(() => loadCommand(['users', 'add', 'ada', 'bob', '--role', 'admin'], {})).toThrow(ConfigError);
    expect(() => loadCommand(['users', 'add', 'ada', '--role'], {})).toThrow("option '--role' argument missing");
    expect(() => loadCommand(['tokens', 'revoke'], {})).toThrow('usage: fathom tokens revoke ID');
    expect(() => loadCommand(['tokens', 'list', '--bogus', 'x'], {})).toThrow(ConfigError);
    expect(() => loadCommand(['users', 'list', '--store', 'memory'], {})).toThrow("with FATHOM_STORE (--store) 'memory' nothing would be kept");
  });
});
