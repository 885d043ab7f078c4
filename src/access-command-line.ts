import { ConfigError, type Config } from './config.js';

/** What `fathom users …` and `fathom tokens …` were asked to do. */
export type AccessAction =
  | { kind: 'users add'; name: string; role: string }
  | { kind: 'users list' }
  | { kind: 'users remove'; name: string }
  | { kind: 'users set-role'; name: string; role: string }
  | { kind: 'tokens create'; user: string; label?: string }
  | { kind: 'tokens list'; user?: string }
  | { kind: 'tokens revoke'; id: string };

export const ACCESS_USAGE = `  fathom users add NAME --role admin|writer|reader [options]   add a user
  fathom users set-role NAME --role admin|writer|reader        change a user's role
  fathom users list | remove NAME                              list users; remove one with their tokens
  fathom tokens create NAME [--label TEXT] [options]           make an API token for a user (printed once)
  fathom tokens list [NAME] | revoke ID                        list tokens (never secrets); revoke one`;

/** Each subcommand's own flags, and how many names it takes (min, max). */
const SHAPES: Record<string, { flags: string[]; required?: string; names: [number, number]; what: string }> = {
  'users add': { flags: ['role'], required: 'role', names: [1, 1], what: 'NAME --role admin|writer|reader' },
  'users list': { flags: [], names: [0, 0], what: '' },
  'users remove': { flags: [], names: [1, 1], what: 'NAME' },
  'users set-role': { flags: ['role'], required: 'role', names: [1, 1], what: 'NAME --role admin|writer|reader' },
  'tokens create': { flags: ['label'], names: [1, 1], what: 'NAME [--label TEXT]' },
  'tokens list': { flags: [], names: [0, 1], what: '[NAME]' },
  'tokens revoke': { flags: [], names: [1, 1], what: 'ID' },
};

/**
 * `argv` starts at 'users' or 'tokens'. The subcommand's names and flags are taken out; what is
 * left configures the store, as for serving (`--data-dir`, `--store`, `--database-url`, …).
 */
export function parseAccessCommand(argv: string[], loadConfig: (rest: string[]) => Config): { config: Config; action: AccessAction } {
  const [group = '', verb = '', ...args] = argv;
  const kind = `${group} ${verb}`;
  const shape = SHAPES[kind];
  if (!shape) {
    const verbs = Object.keys(SHAPES).filter((k) => k.startsWith(`${group} `)).map((k) => k.split(' ')[1]);
    throw new ConfigError(`fathom ${group} takes ${verbs.join(', ')}${verb === '' ? '' : `, not '${verb}'`}`);
  }
  const names: string[] = [];
  const flags: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const flag = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    if (flag && shape.flags.includes(flag[1] as string)) {
      const value = flag[2] ?? args[++i];
      if (value === undefined) throw new ConfigError(`option '--${flag[1]}' argument missing`);
      flags[flag[1] as string] = value;
    } else if (arg.startsWith('-')) {
      // A store option and its value (or --x=value).
      rest.push(arg);
      if (!arg.includes('=') && args[i + 1] !== undefined && !(args[i + 1] as string).startsWith('--')) rest.push(args[++i] as string);
    } else {
      names.push(arg);
    }
  }
  if (names.length < shape.names[0] || names.length > shape.names[1] || (shape.required && flags[shape.required] === undefined)) {
    throw new ConfigError(`usage: fathom ${kind} ${shape.what}`.trimEnd());
  }
  const config = loadConfig(rest);
  if (config.store === 'memory') {
    throw new ConfigError(`fathom ${group} needs the store the server uses: with FATHOM_STORE (--store) 'memory' nothing would be kept`);
  }
  const [name = ''] = names;
  const actions: Record<string, () => AccessAction> = {
    'users add': () => ({ kind: 'users add', name, role: flags.role as string }),
    'users list': () => ({ kind: 'users list' }),
    'users remove': () => ({ kind: 'users remove', name }),
    'users set-role': () => ({ kind: 'users set-role', name, role: flags.role as string }),
    'tokens create': () => ({ kind: 'tokens create', user: name, ...(flags.label !== undefined ? { label: flags.label } : {}) }),
    'tokens list': () => ({ kind: 'tokens list', ...(names.length > 0 ? { user: name } : {}) }),
    'tokens revoke': () => ({ kind: 'tokens revoke', id: name }),
  };
  return { config, action: (actions[kind] as () => AccessAction)() };
}
