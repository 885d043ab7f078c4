import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_HTTP_LIMITS } from '../../src/adapters/http/limits/http-limits.js';
import { ConfigError, DEFAULT_GC_MIN_AGE_SECONDS, loadCommand, loadConfig, USAGE } from '../../src/config.js';

const GiB = 1024 ** 3;

function configError(argv: string[], env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    loadConfig(argv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify({ argv, env })}`);
}

describe('loadConfig', () => {
  it('has defaults for everything', () => {
    expect(loadConfig([], {})).toEqual({
      host: '127.0.0.1',
      port: 5000,
      dataDir: resolve('./fathom-data'),
      maxUploadBytes: 5 * GiB,
      logLevel: 'info',
      store: 'sqlite',
      durability: 'normal',
      blob: { kind: 'fs' },
      // The server's own defaults (used when a test builds one without a config): one set of numbers.
      limits: DEFAULT_HTTP_LIMITS,
      auth: 'none',
    });
  });

  it('reads FATHOM_* environment variables', () => {
    const config = loadConfig([], {
      FATHOM_HOST: '0.0.0.0',
      FATHOM_PORT: '8080',
      FATHOM_DATA_DIR: '/var/lib/fathom',
      FATHOM_MAX_UPLOAD_BYTES: '1048576',
      FATHOM_LOG_LEVEL: 'debug',
      FATHOM_STORE: 'memory',
      FATHOM_DURABILITY: 'strict',
      FATHOM_AUTH: 'token',
    });
    expect(config).toEqual({
      host: '0.0.0.0',
      port: 8080,
      dataDir: '/var/lib/fathom',
      maxUploadBytes: 1_048_576,
      logLevel: 'debug',
      store: 'memory',
      durability: 'strict',
      blob: { kind: 'fs' },
      limits: DEFAULT_HTTP_LIMITS,
      auth: 'token',
    });
  });

  it('reads the S3 blob store settings: bucket, prefix (made to end in /), region, endpoint', () => {
    const env = { FATHOM_BLOB: 's3', FATHOM_S3_BUCKET: 'ml-artifacts', FATHOM_S3_PREFIX: 'team-a/fathom', FATHOM_S3_REGION: 'eu-west-1', FATHOM_S3_ENDPOINT: 'http://127.0.0.1:9000' };
    expect(loadConfig([], env).blob).toEqual({ kind: 's3', bucket: 'ml-artifacts', prefix: 'team-a/fathom/', region: 'eu-west-1', endpoint: 'http://127.0.0.1:9000' });
    expect(loadConfig(['--blob', 's3', '--s3-bucket', 'b-1.x'], { AWS_REGION: 'ap-south-1' }).blob).toEqual({ kind: 's3', bucket: 'b-1.x', prefix: '', region: 'ap-south-1' });
    expect(loadConfig([], { FATHOM_BLOB: 's3', FATHOM_S3_BUCKET: 'bucket' }).blob).toEqual({ kind: 's3', bucket: 'bucket', prefix: '', region: 'us-east-1' });
  });

  it('refuses S3 settings that cannot work, naming the variable', () => {
    const s3 = (extra: Record<string, string>) => () => loadConfig([], { FATHOM_BLOB: 's3', FATHOM_S3_BUCKET: 'bucket', ...extra });
    expect(() => loadConfig([], { FATHOM_BLOB: 'gcs' })).toThrow(/FATHOM_BLOB \(--blob\) must be 'fs' or 's3', not 'gcs'/);
    expect(() => loadConfig([], { FATHOM_BLOB: 's3' })).toThrow(/FATHOM_S3_BUCKET \(--s3-bucket\) is required/);
    expect(s3({ FATHOM_S3_BUCKET: 'Upper_Case' })).toThrow(/FATHOM_S3_BUCKET/);
    for (const prefix of ['/abs', 'a/../b', '..', 'a\\b', 'a\u0000b']) expect(s3({ FATHOM_S3_PREFIX: prefix })).toThrow(/FATHOM_S3_PREFIX/);
    for (const endpoint of ['localhost:9000', 'ftp://host', 'http://']) expect(s3({ FATHOM_S3_ENDPOINT: endpoint })).toThrow(/FATHOM_S3_ENDPOINT/);
  });

  it('prefers flags over environment variables', () => {
    const env = { FATHOM_HOST: 'env-host', FATHOM_PORT: '8080', FATHOM_DATA_DIR: '/env', FATHOM_MAX_UPLOAD_BYTES: '10', FATHOM_LOG_LEVEL: 'debug' };
    const config = loadConfig(
      ['--host', 'flag-host', '--port=9090', '--data-dir', '/flag', '--max-upload-bytes', '20', '--log-level', 'warn', '--store', 'memory', '--durability', 'strict', '--s3-bucket', 'flag-bucket'],
      { ...env, FATHOM_STORE: 'sqlite', FATHOM_DURABILITY: 'normal', FATHOM_BLOB: 's3', FATHOM_S3_BUCKET: 'env-bucket' },
    );
    expect(config).toEqual({
      host: 'flag-host',
      port: 9090,
      dataDir: '/flag',
      maxUploadBytes: 20,
      logLevel: 'warn',
      store: 'memory',
      durability: 'strict',
      blob: { kind: 's3', bucket: 'flag-bucket', prefix: '', region: 'us-east-1' },
      limits: DEFAULT_HTTP_LIMITS,
      auth: 'none',
    });
  });

  it('falls back per setting: a flag for one, the environment for another, defaults for the rest', () => {
    const config = loadConfig(['--port', '7000'], { FATHOM_LOG_LEVEL: 'error', FATHOM_PORT: '6000' });
    expect(config).toMatchObject({ port: 7000, logLevel: 'error', host: '127.0.0.1', maxUploadBytes: 5 * GiB });
  });

  it('treats an empty environment variable as unset', () => {
    expect(loadConfig([], { FATHOM_PORT: '', FATHOM_HOST: '', FATHOM_LOG_LEVEL: '' })).toMatchObject({ port: 5000, host: '127.0.0.1', logLevel: 'info' });
  });

  it('resolves a relative data dir to an absolute path', () => {
    expect(loadConfig(['--data-dir', 'relative/data'], {}).dataDir).toBe(resolve('relative/data'));
  });

  it('accepts port 0 (the OS picks one) and 65535', () => {
    expect(loadConfig([], { FATHOM_PORT: '0' }).port).toBe(0);
    expect(loadConfig([], { FATHOM_PORT: '65535' }).port).toBe(65535);
  });

  it.each(['abc', '65536', '-1', '80.5', '5e3', '0x50'])('refuses FATHOM_PORT=%s, naming the variable', (port) => {
    const error = configError([], { FATHOM_PORT: port });
    expect(error.message).toContain('FATHOM_PORT');
    expect(error.message).toContain(port);
  });

  it('names the variable when the bad value came from its flag', () => {
    expect(configError(['--port', 'http'], {}).message).toContain('FATHOM_PORT');
  });

  it.each(['0', 'lots', '-5', '1.5'])('refuses FATHOM_MAX_UPLOAD_BYTES=%s, naming the variable', (bytes) => {
    expect(configError([], { FATHOM_MAX_UPLOAD_BYTES: bytes }).message).toContain('FATHOM_MAX_UPLOAD_BYTES');
  });

  it('refuses an unknown log level, naming the variable and the allowed levels', () => {
    const error = configError([], { FATHOM_LOG_LEVEL: 'verbose' });
    expect(error.message).toContain('FATHOM_LOG_LEVEL');
    expect(error.message).toContain('verbose');
    expect(error.message).toContain('debug');
  });

  it('accepts every pino log level', () => {
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) {
      expect(loadConfig(['--log-level', level], {}).logLevel).toBe(level);
    }
  });

  it('refuses a store it does not have, naming the variable', () => {
    expect(configError([], { FATHOM_STORE: 'oracle' }).message).toContain('FATHOM_STORE');
    expect(configError(['--store', 'oracle'], {}).message).toContain('oracle');
    expect(loadConfig(['--store', 'sqlite'], {}).store).toBe('sqlite');
  });

  it('reads the PostgreSQL store settings, with a pool of 10 and a 30 s statement timeout by default', () => {
    const url = 'postgres://fathom:s3cret@db.internal:5432/fathom';
    expect(loadConfig([], { FATHOM_STORE: 'postgres', FATHOM_DATABASE_URL: url })).toMatchObject({
      store: 'postgres',
      postgres: { url, poolSize: 10, statementTimeoutMs: 30_000 },
    });
    const flags = ['--store', 'postgres', '--database-url', 'postgresql://127.0.0.1/f', '--db-pool-size', '40', '--db-statement-timeout', '5000'];
    expect(loadConfig(flags, {}).postgres).toEqual({ url: 'postgresql://127.0.0.1/f', poolSize: 40, statementTimeoutMs: 5000 });
    // Other stores carry no PostgreSQL settings, even when the variables are set.
    expect(loadConfig([], { FATHOM_DATABASE_URL: url }).postgres).toBeUndefined();
  });

  it('refuses PostgreSQL settings that cannot work, naming the variable and never echoing a password', () => {
    expect(configError([], { FATHOM_STORE: 'postgres' }).message).toMatch(/FATHOM_DATABASE_URL \(--database-url\) is required with FATHOM_STORE=postgres/);
    const wrongScheme = configError([], { FATHOM_STORE: 'postgres', FATHOM_DATABASE_URL: 'mysql://root:hunter2@db/x' }).message;
    expect(wrongScheme).toMatch(/FATHOM_DATABASE_URL .* must be a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(wrongScheme).not.toContain('hunter2');
    const base = { FATHOM_STORE: 'postgres', FATHOM_DATABASE_URL: 'postgres://127.0.0.1/f' };
    expect(configError([], { ...base, FATHOM_DB_POOL_SIZE: '0' }).message).toMatch(/FATHOM_DB_POOL_SIZE \(--db-pool-size\) must be a whole number from 1 to 1000, not '0'/);
    expect(configError([], { ...base, FATHOM_DB_POOL_SIZE: 'ten' }).message).toMatch(/FATHOM_DB_POOL_SIZE/);
    expect(configError([], { ...base, FATHOM_DB_STATEMENT_TIMEOUT: '50' }).message).toMatch(/FATHOM_DB_STATEMENT_TIMEOUT .* from 100 to 86400000, not '50'/);
  });

  it('refuses a durability it does not offer, naming the variable and the choices', () => {
    const error = configError([], { FATHOM_DURABILITY: 'paranoid' });
    expect(error.message).toContain('FATHOM_DURABILITY (--durability)');
    expect(error.message).toContain("'normal' or 'strict'");
    expect(error.message).toContain('paranoid');
  });

  it('reports an unknown flag, or a flag without its value, as a ConfigError', () => {
    expect(configError(['--prot', '80'], {}).message).toContain('--prot');
    expect(configError(['--port'], {}).message).toContain('--port');
  });
});

describe('configuration messages', () => {
  it('name both the variable and the flag, whichever was used', () => {
    expect(() => loadConfig(['--port', 'http'], {})).toThrow(/FATHOM_PORT \(--port\)/);
    expect(() => loadConfig([], { FATHOM_LOG_LEVEL: 'loud' })).toThrow(/FATHOM_LOG_LEVEL \(--log-level\)/);
  });
});

describe('loadCommand', () => {
  it('serves by default, with the same configuration as loadConfig', () => {
    expect(loadCommand(['--port', '7000'], {})).toEqual({ name: 'serve', config: loadConfig(['--port', '7000'], {}) });
  });

  it('reads `fathom gc` with its minimum age, and the usual settings', () => {
    expect(loadCommand(['gc', '--data-dir', '/data', '--min-age', '0'], {})).toEqual({
      name: 'gc',
      config: loadConfig(['--data-dir', '/data'], {}),
      minAgeSeconds: 0,
    });
    expect(loadCommand(['gc', '--min-age=120'], {})).toMatchObject({ name: 'gc', minAgeSeconds: 120 });
  });

  it('spares blobs younger than an hour unless told otherwise', () => {
    expect(loadCommand(['gc'], {})).toMatchObject({ minAgeSeconds: DEFAULT_GC_MIN_AGE_SECONDS });
    expect(DEFAULT_GC_MIN_AGE_SECONDS).toBe(3600);
  });

  it('refuses a minimum age that is missing or not a whole number of seconds, naming the option', () => {
    expect(() => loadCommand(['gc', '--min-age'], {})).toThrow(ConfigError);
    expect(() => loadCommand(['gc', '--min-age'], {})).toThrow(/--min-age/);
    expect(() => loadCommand(['gc', '--min-age', 'soon'], {})).toThrow(/--min-age \(seconds\) must be a whole number.*'soon'/);
    expect(() => loadCommand(['gc', '--min-age=-5'], {})).toThrow(/'-5'/);
    expect(() => loadCommand(['gc', '--store', 'oracle'], {})).toThrow(/FATHOM_STORE/);
  });

  it('refuses gc over the memory store, which records nothing and would see every blob as orphaned', () => {
    expect(() => loadCommand(['gc', '--store', 'memory'], {})).toThrow(/fathom gc needs the store that records the artifacts/);
    expect(() => loadCommand(['gc'], { FATHOM_STORE: 'memory' })).toThrow(ConfigError);
  });

  it('reads `fathom verify` with the usual settings, and refuses the memory store, which records nothing to check', () => {
    expect(loadCommand(['verify', '--data-dir', '/data'], {})).toEqual({ name: 'verify', config: loadConfig(['--data-dir', '/data'], {}) });
    expect(() => loadCommand(['verify', '--store', 'memory'], {})).toThrow(/fathom verify checks the store that records the artifacts/);
    expect(() => loadCommand(['verify', '--store', 'oracle'], {})).toThrow(/FATHOM_STORE/);
    expect(USAGE).toContain('fathom verify');
  });

  it('does not take gc options when serving', () => {
    expect(configError(['--min-age', '5'], {}).message).toContain('--min-age');
  });
});

describe('loadCommand migrate-store', () => {
  const postgres = ['--to-store', 'postgres', '--to-database-url', 'postgres://fathom:secret@db:5432/fathom'];

  it('reads the source as when serving (flags, then FATHOM_* variables) and the target from --to- flags only', () => {
    const env = { FATHOM_DATA_DIR: '/srv/fathom', FATHOM_DATABASE_URL: 'postgres://ignored@x/y', FATHOM_DB_POOL_SIZE: '50', AWS_REGION: 'eu-west-3' };
    const command = loadCommand(['migrate-store', '--durability', 'strict', ...postgres, '--to-db-pool-size=4', '--to-blob', 's3', '--to-s3-bucket', 'artifacts'], env);
    expect(command).toEqual({
      name: 'migrate-store',
      source: loadConfig(['--durability', 'strict'], env),
      target: {
        ...loadConfig([], {}),
        dataDir: '/srv/fathom',
        store: 'postgres',
        postgres: { url: 'postgres://fathom:secret@db:5432/fathom', poolSize: 4, statementTimeoutMs: 30_000 },
        blob: { kind: 's3', bucket: 'artifacts', prefix: '', region: 'eu-west-3' },
      },
    });
  });

  it("puts the target in the source's data directory unless told, so blobs kept as files stay where they are", () => {
    expect(loadCommand(['migrate-store', '--data-dir', '/a', ...postgres], {})).toMatchObject({ target: { dataDir: '/a', blob: { kind: 'fs' } } });
    expect(loadCommand(['migrate-store', '--data-dir', '/a', ...postgres, '--to-data-dir', '/b'], {})).toMatchObject({ source: { dataDir: '/a' }, target: { dataDir: '/b' } });
    expect(loadCommand(['migrate-store', '--data-dir=/a', '--to-store=sqlite', '--to-data-dir=/b'], {})).toMatchObject({ target: { store: 'sqlite', dataDir: '/b' } });
  });

  it('needs a target store, and refuses the memory store on either side', () => {
    expect(() => loadCommand(['migrate-store'], {})).toThrow(/needs a target: --to-store postgres --to-database-url URL/);
    expect(() => loadCommand(['migrate-store', '--store', 'memory', ...postgres], {})).toThrow(/FATHOM_STORE \(--store\) 'memory' holds nothing to copy/);
    expect(() => loadCommand(['migrate-store', '--to-store', 'memory', '--to-data-dir', '/b'], {})).toThrow(/--to-store 'memory'/);
  });

  it("refuses a target that is the source's own database", () => {
    expect(() => loadCommand(['migrate-store', '--data-dir', '/a', '--to-store', 'sqlite'], {})).toThrow(/the target is the source's own database; name another with --to-data-dir/);
    const url = 'postgres://u@h/db';
    expect(() => loadCommand(['migrate-store', '--store', 'postgres', '--database-url', url, '--to-store', 'postgres', '--to-database-url', url], {})).toThrow(/--to-database-url/);
  });

  it('names the --to- flag in what it refuses about the target, never a variable', () => {
    const message = (argv: string[]) => {
      try {
        loadCommand(['migrate-store', ...argv], { FATHOM_STORE: 'sqlite' });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    expect(message(['--to-store', 'postgres'])).toBe('--to-database-url is required with --to-store postgres');
    expect(message([...postgres, '--to-db-statement-timeout', '5'])).toMatch(/^--to-db-statement-timeout \(ms\) must be a whole number from 100/);
    expect(message([...postgres, '--to-blob', 's3'])).toBe('--to-s3-bucket is required with --to-blob s3');
    expect(message([...postgres, '--to-port', '80'])).toMatch(/has no option '--to-port'; the target takes --to-store, --to-database-url/);
    expect(message([...postgres, '--to-data-dir'])).toMatch(/--to-data-dir <value>/);
    expect(message(['--to-store', 'oracle'])).toMatch(/^--to-store must be 'sqlite', 'memory' or 'postgres', not 'oracle'/);
  });

  it('is in the usage text', async () => {
    const { USAGE } = await import('../../src/config.js');
    for (const text of ['fathom migrate-store', '--to-store', '--to-database-url', '--to-data-dir', '--to-blob', '--to-s3-bucket']) expect(USAGE).toContain(text);
  });
});

describe('--help', () => {
  it('asks for the usage text, which names every setting with its variable', async () => {
    expect(loadCommand(['--help'], {})).toEqual({ name: 'help' });
    expect(loadCommand(['gc', '-h'], {})).toEqual({ name: 'help' });
    const { USAGE } = await import('../../src/config.js');
    for (const name of ['FATHOM_HOST', 'FATHOM_PORT', 'FATHOM_DATA_DIR', 'FATHOM_STORE', 'FATHOM_DURABILITY', 'FATHOM_MAX_UPLOAD_BYTES', 'FATHOM_LOG_LEVEL', 'FATHOM_BLOB', 'FATHOM_S3_BUCKET', 'FATHOM_S3_PREFIX', 'FATHOM_S3_REGION', 'FATHOM_S3_ENDPOINT', 'gc']) {
      expect(USAGE).toContain(name);
    }
  });
});

describe('limits settings', () => {
  it('reads every limit from a flag or its FATHOM_* variable', () => {
    const env = {
      FATHOM_MAX_JSON_BYTES: '2048',
      FATHOM_MAX_BATCH_BYTES: '4096',
      FATHOM_MAX_BATCH_ITEMS: '5',
      FATHOM_RATE_LIMIT: '0',
      FATHOM_RATE_LIMIT_WINDOW: '1000',
      FATHOM_MAX_CONCURRENT_UPLOADS: '2',
      FATHOM_HEADERS_TIMEOUT: '1500',
      FATHOM_IDLE_TIMEOUT: '2500',
      FATHOM_REQUEST_TIMEOUT: '3500',
      FATHOM_CORS_ORIGINS: 'https://a.example.com, http://127.0.0.1:3000',
    };
    expect(loadConfig([], env).limits).toEqual({
      maxJsonBytes: 2048,
      maxBatchBytes: 4096,
      maxBatchItems: 5,
      rateLimit: 0,
      rateLimitWindowMs: 1000,
      maxConcurrentUploads: 2,
      headersTimeoutMs: 1500,
      idleTimeoutMs: 2500,
      requestTimeoutMs: 3500,
      corsOrigins: ['https://a.example.com', 'http://127.0.0.1:3000'],
    });
    const flags = ['--max-json-bytes', '4096', '--rate-limit=10', '--max-concurrent-uploads', '7', '--idle-timeout', '900', '--cors-origins', '*'];
    expect(loadConfig(flags, env).limits).toMatchObject({ maxJsonBytes: 4096, rateLimit: 10, maxConcurrentUploads: 7, idleTimeoutMs: 900, corsOrigins: ['*'], maxBatchItems: 5 });
  });

  it('refuses a limit out of range, naming the variable and the flag', () => {
    expect(() => loadConfig([], { FATHOM_MAX_JSON_BYTES: '10' })).toThrow(/FATHOM_MAX_JSON_BYTES \(--max-json-bytes\) must be a whole number from 1024/);
    expect(() => loadConfig([], { FATHOM_MAX_BATCH_ITEMS: '0' })).toThrow(/FATHOM_MAX_BATCH_ITEMS/);
    expect(() => loadConfig([], { FATHOM_RATE_LIMIT: '-1' })).toThrow(/FATHOM_RATE_LIMIT \(--rate-limit\)/);
    expect(() => loadConfig([], { FATHOM_MAX_CONCURRENT_UPLOADS: '0' })).toThrow(/FATHOM_MAX_CONCURRENT_UPLOADS/);
    expect(() => loadConfig(['--idle-timeout', '1s'], {})).toThrow(/FATHOM_IDLE_TIMEOUT \(--idle-timeout, ms\)/);
  });

  it('takes CORS origins as scheme://host[:port], or * alone', () => {
    expect(() => loadConfig([], { FATHOM_CORS_ORIGINS: '*, https://a.example.com' })).toThrow(/'\*' alone/);
    for (const bad of ['a.example.com', 'https://a.example.com/path', 'ftp://a.example.com', 'https://']) {
      expect(() => loadConfig([], { FATHOM_CORS_ORIGINS: bad })).toThrow(/FATHOM_CORS_ORIGINS \(--cors-origins\)/);
    }
    expect(loadConfig([], { FATHOM_CORS_ORIGINS: 'https://a.example.com,,https://a.example.com' }).limits.corsOrigins).toEqual(['https://a.example.com']);
  });
});
