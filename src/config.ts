import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ACCESS_USAGE, parseAccessCommand, type AccessAction } from './access-command-line.js';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  maxUploadBytes: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  store: 'sqlite' | 'memory' | 'postgres';
  /** PostgreSQL store only (FATHOM_STORE=postgres). */
  postgres?: PostgresConfig;
  /** SQLite only: normal survives a killed process, strict also a power loss. */
  durability: 'normal' | 'strict';
  /** Where artifact bytes go: files under the data directory, or an S3-compatible bucket. */
  blob: BlobConfig;
  /** What one server accepts from clients (docs/deployment.md#limits). */
  limits: LimitsConfig;
  /** `token`: every API request proves who it is (users and tokens, see `fathom users`/`tokens`); `none`: anyone may do anything. */
  auth: 'none' | 'token';
}

export interface LimitsConfig {
  maxJsonBytes: number;
  maxBatchBytes: number;
  maxBatchItems: number;
  /** Requests per window per credential (or client address); 0: off. */
  rateLimit: number;
  rateLimitWindowMs: number;
  maxConcurrentUploads: number;
  headersTimeoutMs: number;
  idleTimeoutMs: number;
  requestTimeoutMs: number;
  /** Exact origins (scheme://host[:port]) or ['*']; empty: no CORS. */
  corsOrigins: string[];
}

export interface PostgresConfig {
  /** postgres://user:password@host:port/database */
  url: string;
  /** Connections this server opens at most: servers × pool size must stay under max_connections. */
  poolSize: number;
  /** The database cancels a statement running longer than this (ms). */
  statementTimeoutMs: number;
}

export type BlobConfig =
  | { kind: 'fs' }
  | {
      kind: 's3';
      bucket: string;
      /** Keys start with it ('' or ending in '/'), so several Fathoms (or other data) can share a bucket. */
      prefix: string;
      region: string;
      /** An S3-compatible endpoint (MinIO, Ceph, …); AWS's own when absent. */
      endpoint?: string;
    };

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const GiB = 1024 ** 3;

export class ConfigError extends Error {}

/**
 * What `fathom` was asked to do: serve (the default), `fathom gc` to remove orphaned blobs,
 * `fathom migrate-store` to copy a whole store into another, or print help.
 */
export type Command =
  | { name: 'serve'; config: Config }
  | { name: 'gc'; config: Config; minAgeSeconds: number }
  | { name: 'migrate-store'; source: Config; target: Config }
  | { name: 'verify'; config: Config }
  | { name: 'access'; config: Config; action: AccessAction }
  | { name: 'help' };

export const USAGE = `Usage:
  fathom [options]                      serve the API (and docs at /docs)
  fathom gc [options] [--min-age SECS]  remove artifact blobs no record references (default min age 3600 s)
  fathom migrate-store [options] --to-store postgres --to-database-url URL [--to-… options]
                                        copy everything, artifact bytes included, into an empty store; verify it
  fathom verify [options]               re-hash every artifact's blob; list damaged and missing ones (exit 1 if any)
${ACCESS_USAGE}

Options (each also as an environment variable):
  --host HOST              FATHOM_HOST              address to listen on (127.0.0.1)
  --port PORT              FATHOM_PORT              port, 0 for any free one (5000)
  --data-dir DIR           FATHOM_DATA_DIR          database and artifact bytes (./fathom-data)
  --store sqlite|memory|postgres  FATHOM_STORE      record store (sqlite)
  --database-url URL       FATHOM_DATABASE_URL      postgres://user:pass@host:port/db (required with --store postgres)
  --db-pool-size N         FATHOM_DB_POOL_SIZE      PostgreSQL connections per server, at most (10)
  --db-statement-timeout MS  FATHOM_DB_STATEMENT_TIMEOUT  cancel a statement running longer (30000)
  --durability normal|strict  FATHOM_DURABILITY     strict also survives power loss (normal)
  --max-upload-bytes N     FATHOM_MAX_UPLOAD_BYTES  largest artifact upload (5 GiB)
  --blob fs|s3             FATHOM_BLOB              where artifact bytes go: the data dir, or S3 (fs)
  --s3-bucket NAME         FATHOM_S3_BUCKET         the bucket (required with --blob s3)
  --s3-prefix PREFIX       FATHOM_S3_PREFIX         key prefix inside the bucket (none)
  --s3-region REGION       FATHOM_S3_REGION         region (AWS_REGION, else us-east-1)
  --s3-endpoint URL        FATHOM_S3_ENDPOINT       an S3-compatible endpoint, e.g. MinIO (AWS)
                           credentials: the standard AWS variables (AWS_ACCESS_KEY_ID, …)
  --auth none|token        FATHOM_AUTH              token: every API request needs a user's token (none)
  --log-level LEVEL        FATHOM_LOG_LEVEL         fatal|error|warn|info|debug|trace|silent (info)

Limits (docs/deployment.md#limits; the defaults are far above what a laptop sends):
  --max-json-bytes N       FATHOM_MAX_JSON_BYTES    largest JSON body of a record, change or query (1048576)
  --max-batch-bytes N      FATHOM_MAX_BATCH_BYTES   largest JSON body of a batch (16777216)
  --max-batch-items N      FATHOM_MAX_BATCH_ITEMS   items in one batch array: points, parameters, tags (10000)
  --rate-limit N           FATHOM_RATE_LIMIT        requests per window per token (or address), 0 = off (300000)
  --rate-limit-window MS   FATHOM_RATE_LIMIT_WINDOW the rate limit's window (60000)
  --max-concurrent-uploads N  FATHOM_MAX_CONCURRENT_UPLOADS  uploads at once; more get 503 (64)
  --headers-timeout MS     FATHOM_HEADERS_TIMEOUT   request headers must arrive within (30000)
  --idle-timeout MS        FATHOM_IDLE_TIMEOUT      close a connection silent this long, e.g. a stalled upload (120000)
  --request-timeout MS     FATHOM_REQUEST_TIMEOUT   a request other than an upload must arrive whole within (300000)
  --cors-origins LIST      FATHOM_CORS_ORIGINS      origins allowed to call the API from browsers, comma-separated, or * (none)
  --help, -h               this text

migrate-store: the options above name the source, as when serving; the target takes these, and no
FATHOM_* variables (the AWS ones apply to both):
  --to-store sqlite|postgres  --to-database-url URL  --to-db-pool-size N  --to-db-statement-timeout MS
  --to-data-dir DIR (the source's when absent: its blobs stay where they are)  --to-durability normal|strict
  --to-blob fs|s3  --to-s3-bucket NAME  --to-s3-prefix PREFIX  --to-s3-region REGION  --to-s3-endpoint URL`;

/**
 * The warning a server owes when it serves everyone everything (FATHOM_AUTH=none) on an address
 * other machines may reach; undefined on loopback addresses or with authentication on.
 */
export function openToTheNetwork(config: Pick<Config, 'host' | 'auth'>): string | undefined {
  const host = config.host.replace(/^\[(.*)\]$/, '$1');
  const loopback = host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host) || /^::ffff:127(\.\d{1,3}){3}$/i.test(host);
  if (config.auth !== 'none' || loopback) return undefined;
  return (
    `FATHOM_AUTH=none on ${config.host}, which is not a loopback address: anyone who can reach this server can read, change and delete everything. ` +
    'Set FATHOM_AUTH=token (--auth token) and add users with `fathom users add`, or listen on 127.0.0.1.'
  );
}

/** Blobs younger than this are spared by garbage collection unless told otherwise. */
export const DEFAULT_GC_MIN_AGE_SECONDS = 3600;

export function loadCommand(argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Command {
  if (argv.includes('--help') || argv.includes('-h')) return { name: 'help' };
  if (argv[0] === 'migrate-store') return loadMigrateStore(argv.slice(1), env);
  if (argv[0] === 'verify') return loadVerify(argv.slice(1), env);
  if (argv[0] === 'users' || argv[0] === 'tokens') return { name: 'access', ...parseAccessCommand(argv, (rest) => loadConfig(rest, env)) };
  if (argv[0] !== 'gc') return { name: 'serve', config: loadConfig(argv, env) };
  const rest = argv.slice(1);
  const minAgeIndex = rest.findIndex((arg) => arg === '--min-age' || arg.startsWith('--min-age='));
  let minAge = String(DEFAULT_GC_MIN_AGE_SECONDS);
  if (minAgeIndex >= 0) {
    const arg = rest[minAgeIndex] as string;
    const inline = arg.startsWith('--min-age=');
    const value = inline ? arg.slice('--min-age='.length) : rest[minAgeIndex + 1];
    if (value === undefined) throw new ConfigError("option '--min-age <seconds>' argument missing");
    minAge = value;
    rest.splice(minAgeIndex, inline ? 1 : 2);
  }
  const minAgeSeconds = integer(minAge, 'fathom gc --min-age (seconds)', 0, Number.MAX_SAFE_INTEGER);
  const config = loadConfig(rest, env);
  if (config.store === 'memory') {
    throw new ConfigError(
      "fathom gc needs the store that records the artifacts: with FATHOM_STORE (--store) 'memory' it would see no records and delete every blob",
    );
  }
  return { name: 'gc', config, minAgeSeconds };
}

/** `fathom verify`: the store as when serving; the memory store records nothing to verify. */
function loadVerify(args: string[], env: NodeJS.ProcessEnv): Command {
  const config = loadConfig(args, env);
  if (config.store === 'memory') {
    throw new ConfigError("fathom verify checks the store that records the artifacts: FATHOM_STORE (--store) 'memory' holds no records to check");
  }
  return { name: 'verify', config };
}

/** What a copy's target takes as `--to-<flag>`: where a store is, nothing about serving. */
const TARGET_FLAGS = [
  'store',
  'database-url',
  'db-pool-size',
  'db-statement-timeout',
  'durability',
  'data-dir',
  'blob',
  's3-bucket',
  's3-prefix',
  's3-region',
  's3-endpoint',
] as const;

/**
 * `fathom migrate-store`: the source is configured as when serving (flags, then FATHOM_*
 * variables); the target by `--to-` flags alone, read by the same rules. Its data directory is
 * the source's unless given, so with files for blobs they stay where they are.
 */
function loadMigrateStore(args: string[], env: NodeJS.ProcessEnv): Command {
  const sourceArgs: string[] = [];
  const targetArgs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('--to-')) {
      sourceArgs.push(arg);
      continue;
    }
    const equals = arg.indexOf('=');
    const name = arg.slice('--to-'.length, equals < 0 ? undefined : equals);
    if (!(TARGET_FLAGS as readonly string[]).includes(name)) {
      throw new ConfigError(`fathom migrate-store has no option '--to-${name}'; the target takes ${TARGET_FLAGS.map((flag) => `--to-${flag}`).join(', ')}`);
    }
    if (equals >= 0) targetArgs.push(`--${name}=${arg.slice(equals + 1)}`);
    else {
      const value = args[++i];
      if (value === undefined) throw new ConfigError(`option '--to-${name} <value>' argument missing`);
      targetArgs.push(`--${name}`, value);
    }
  }
  const given = (flag: string): boolean => targetArgs.some((arg) => arg === `--${flag}` || arg.startsWith(`--${flag}=`));
  if (!given('store')) {
    throw new ConfigError('fathom migrate-store needs a target: --to-store postgres --to-database-url URL, or --to-store sqlite --to-data-dir DIR');
  }
  const source = loadConfig(sourceArgs, env);
  if (source.store === 'memory') {
    throw new ConfigError("fathom migrate-store copies a store that keeps its records: FATHOM_STORE (--store) 'memory' holds nothing to copy");
  }
  const targetEnv = Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('FATHOM_')));
  let target: Config;
  try {
    target = loadConfig([...targetArgs, ...(given('data-dir') ? [] : ['--data-dir', source.dataDir])], targetEnv);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(asTargetMessage(error.message));
    throw error;
  }
  if (target.store === 'memory') throw new ConfigError("fathom migrate-store --to-store 'memory' would copy into a store gone when the copy ends");
  const sameSqlite = source.store === 'sqlite' && target.store === 'sqlite' && source.dataDir === target.dataDir;
  const samePostgres = source.postgres !== undefined && source.postgres.url === target.postgres?.url;
  if (sameSqlite || samePostgres) {
    throw new ConfigError(`migrate-store: the target is the source's own database; name another with ${sameSqlite ? '--to-data-dir' : '--to-database-url'}`);
  }
  return { name: 'migrate-store', source, target };
}

/** loadConfig's messages name the variable and flag of a setting; for the target, its `--to-` flag. */
function asTargetMessage(message: string): string {
  return message
    .replace(/FATHOM_[A-Z0-9_]+ \(--([a-z0-9-]+)(?:, ([^)]*))?\)/g, (_, flag: string, note: string | undefined) => `--to-${flag}${note ? ` (${note})` : ''}`)
    .replace(/FATHOM_([A-Z0-9_]+)=(\S+)/g, (_, name: string, value: string) => `--to-${name.toLowerCase().replaceAll('_', '-')} ${value}`)
    .replace(/'--(?!to-)([a-z0-9-]+)/g, "'--to-$1");
}

/** Reads configuration from flags first, then FATHOM_* environment variables, then defaults. */
export function loadConfig(argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Config {
  const { values } = parseFlags(argv);
  const pick = (flag: keyof typeof values, name: string): string | undefined => {
    const value = values[flag] ?? env[name];
    return value === undefined || value === '' ? undefined : String(value);
  };
  const port = integer(pick('port', 'FATHOM_PORT') ?? '5000', 'FATHOM_PORT (--port)', 0, 65535);
  const dataDir = pick('data-dir', 'FATHOM_DATA_DIR') ?? './fathom-data';
  const logLevel = pick('log-level', 'FATHOM_LOG_LEVEL') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`FATHOM_LOG_LEVEL (--log-level) must be one of ${LOG_LEVELS.join(', ')}, not '${logLevel}'`);
  }
  const store = pick('store', 'FATHOM_STORE') ?? 'sqlite';
  if (store !== 'sqlite' && store !== 'memory' && store !== 'postgres') {
    throw new ConfigError(`FATHOM_STORE (--store) must be 'sqlite', 'memory' or 'postgres', not '${store}'`);
  }
  const durability = pick('durability', 'FATHOM_DURABILITY') ?? 'normal';
  if (durability !== 'normal' && durability !== 'strict') {
    throw new ConfigError(`FATHOM_DURABILITY (--durability) must be 'normal' or 'strict', not '${durability}'`);
  }
  return {
    host: pick('host', 'FATHOM_HOST') ?? '127.0.0.1',
    port,
    dataDir: isAbsolute(dataDir) ? dataDir : resolve(dataDir),
    maxUploadBytes: integer(pick('max-upload-bytes', 'FATHOM_MAX_UPLOAD_BYTES') ?? String(5 * GiB), 'FATHOM_MAX_UPLOAD_BYTES (--max-upload-bytes)', 1, Number.MAX_SAFE_INTEGER),
    logLevel: logLevel as Config['logLevel'],
    store,
    ...(store === 'postgres' ? { postgres: postgresConfig(pick) } : {}),
    durability,
    blob: blobConfig(pick, env),
    limits: limitsConfig(pick),
    auth: authMode(pick('auth', 'FATHOM_AUTH') ?? 'none'),
  };
}

const MiB = 1024 * 1024;

function limitsConfig(pick: (flag: FlagName, name: string) => string | undefined): LimitsConfig {
  const whole = (flag: FlagName, name: string, fallback: number, min: number, max: number, unit = ''): number =>
    integer(pick(flag, name) ?? String(fallback), `${name} (--${flag}${unit})`, min, max);
  const DAY = 86_400_000;
  return {
    maxJsonBytes: whole('max-json-bytes', 'FATHOM_MAX_JSON_BYTES', MiB, 1024, 1024 * MiB),
    maxBatchBytes: whole('max-batch-bytes', 'FATHOM_MAX_BATCH_BYTES', 16 * MiB, 1024, 1024 * MiB),
    maxBatchItems: whole('max-batch-items', 'FATHOM_MAX_BATCH_ITEMS', 10_000, 1, 10_000_000),
    rateLimit: whole('rate-limit', 'FATHOM_RATE_LIMIT', 300_000, 0, Number.MAX_SAFE_INTEGER),
    rateLimitWindowMs: whole('rate-limit-window', 'FATHOM_RATE_LIMIT_WINDOW', 60_000, 1000, DAY, ', ms'),
    maxConcurrentUploads: whole('max-concurrent-uploads', 'FATHOM_MAX_CONCURRENT_UPLOADS', 64, 1, 100_000),
    headersTimeoutMs: whole('headers-timeout', 'FATHOM_HEADERS_TIMEOUT', 30_000, 100, DAY, ', ms'),
    idleTimeoutMs: whole('idle-timeout', 'FATHOM_IDLE_TIMEOUT', 120_000, 100, DAY, ', ms'),
    requestTimeoutMs: whole('request-timeout', 'FATHOM_REQUEST_TIMEOUT', 300_000, 100, DAY, ', ms'),
    corsOrigins: corsOrigins(pick('cors-origins', 'FATHOM_CORS_ORIGINS')),
  };
}

/**
 * Origins as browsers send them: scheme://host[:port], no path; or `*` alone (safe only because
 * the API never accepts browser credentials such as cookies: tokens travel in a header).
 */
function corsOrigins(text: string | undefined): string[] {
  if (text === undefined) return [];
  const origins = text.split(',').map((origin) => origin.trim()).filter((origin) => origin !== '');
  if (origins.includes('*')) {
    if (origins.length > 1) throw new ConfigError("FATHOM_CORS_ORIGINS (--cors-origins) is either '*' alone or a list of origins, not both");
    return origins;
  }
  for (const origin of origins) {
    if (!/^https?:\/\/[^\s/?#]+$/.test(origin)) {
      throw new ConfigError(`FATHOM_CORS_ORIGINS (--cors-origins) holds origins such as https://app.example.com (scheme, host, optional port; no path), not '${origin}'`);
    }
  }
  return [...new Set(origins)];
}

function postgresConfig(pick: (flag: FlagName, name: string) => string | undefined): PostgresConfig {
  const url = pick('database-url', 'FATHOM_DATABASE_URL');
  if (url === undefined) throw new ConfigError('FATHOM_DATABASE_URL (--database-url) is required with FATHOM_STORE=postgres');
  if (!/^postgres(ql)?:\/\/\S+$/.test(url)) {
    // The URL may hold a password: name its scheme only.
    throw new ConfigError(`FATHOM_DATABASE_URL (--database-url) must be a postgres:// or postgresql:// URL, not one starting '${url.split(':')[0] ?? ''}:'`);
  }
  return {
    url,
    poolSize: integer(pick('db-pool-size', 'FATHOM_DB_POOL_SIZE') ?? '10', 'FATHOM_DB_POOL_SIZE (--db-pool-size)', 1, 1000),
    statementTimeoutMs: integer(pick('db-statement-timeout', 'FATHOM_DB_STATEMENT_TIMEOUT') ?? '30000', 'FATHOM_DB_STATEMENT_TIMEOUT (--db-statement-timeout, ms)', 100, 86_400_000),
  };
}

function blobConfig(pick: (flag: FlagName, name: string) => string | undefined, env: NodeJS.ProcessEnv): BlobConfig {
  const kind = pick('blob', 'FATHOM_BLOB') ?? 'fs';
  if (kind === 'fs') return { kind };
  if (kind !== 's3') throw new ConfigError(`FATHOM_BLOB (--blob) must be 'fs' or 's3', not '${kind}'`);
  const bucket = pick('s3-bucket', 'FATHOM_S3_BUCKET');
  if (bucket === undefined) throw new ConfigError('FATHOM_S3_BUCKET (--s3-bucket) is required with FATHOM_BLOB=s3');
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new ConfigError(`FATHOM_S3_BUCKET (--s3-bucket) must be a bucket name (3-63 lower-case letters, digits, '.' and '-'), not '${bucket}'`);
  }
  let prefix = pick('s3-prefix', 'FATHOM_S3_PREFIX') ?? '';
  if (prefix.startsWith('/') || prefix.split('/').some((segment) => segment === '.' || segment === '..') || /[\\\p{Cc}]/u.test(prefix)) {
    throw new ConfigError(`FATHOM_S3_PREFIX (--s3-prefix) must be a relative key prefix without '.' or '..' segments, backslashes or control characters, not '${prefix}'`);
  }
  if (prefix !== '' && !prefix.endsWith('/')) prefix = `${prefix}/`;
  const endpoint = pick('s3-endpoint', 'FATHOM_S3_ENDPOINT');
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+(\/.*)?$/.test(endpoint)) {
    throw new ConfigError(`FATHOM_S3_ENDPOINT (--s3-endpoint) must be an http:// or https:// URL, not '${endpoint}'`);
  }
  const region = pick('s3-region', 'FATHOM_S3_REGION') ?? (env.AWS_REGION || undefined) ?? 'us-east-1';
  return { kind, bucket, prefix, region, ...(endpoint !== undefined ? { endpoint } : {}) };
}

function authMode(mode: string): Config['auth'] {
  if (mode !== 'none' && mode !== 'token') throw new ConfigError(`FATHOM_AUTH (--auth) must be 'none' or 'token', not '${mode}'`);
  return mode;
}

type FlagName = keyof ReturnType<typeof parseFlags>['values'];

/** An unknown flag or a flag without its value is a usage error, reported like any bad setting. */
function parseFlags(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        'max-upload-bytes': { type: 'string' },
        'log-level': { type: 'string' },
        store: { type: 'string' },
        'database-url': { type: 'string' },
        'db-pool-size': { type: 'string' },
        'db-statement-timeout': { type: 'string' },
        durability: { type: 'string' },
        blob: { type: 'string' },
        's3-bucket': { type: 'string' },
        's3-prefix': { type: 'string' },
        's3-region': { type: 'string' },
        's3-endpoint': { type: 'string' },
        'max-json-bytes': { type: 'string' },
        'max-batch-bytes': { type: 'string' },
        'max-batch-items': { type: 'string' },
        'rate-limit': { type: 'string' },
        'rate-limit-window': { type: 'string' },
        'max-concurrent-uploads': { type: 'string' },
        'headers-timeout': { type: 'string' },
        'idle-timeout': { type: 'string' },
        'request-timeout': { type: 'string' },
        'cors-origins': { type: 'string' },
        auth: { type: 'string' },
      },
      strict: true,
    });
  } catch (error) {
    throw new ConfigError(error instanceof Error ? error.message : String(error));
  }
}

function integer(text: string, name: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, not '${text}'`);
  }
  return value;
}
