/**
 * What one server accepts from its clients: body sizes, batch sizes, request rate, timeouts,
 * concurrent uploads, and the origins allowed to call it from a browser (CORS). The defaults
 * are far above what a laptop sends (docs/deployment.md#limits says why each is what it is).
 */
export interface HttpLimits {
  /** Bytes of a JSON body that carries one record, a change or a query. */
  maxJsonBytes: number;
  /** Bytes of a JSON body that logs a batch (metric points, parameters, tags, datasets). */
  maxBatchBytes: number;
  /** Items in one batch array (metric points, parameters, tags) of one request. */
  maxBatchItems: number;
  /** Requests per window per credential (or per client address without one); 0: no limit. */
  rateLimit: number;
  rateLimitWindowMs: number;
  /** Artifact uploads in progress at once, both APIs together; more are refused before their body is read. */
  maxConcurrentUploads: number;
  /** The request line and headers must arrive within this. */
  headersTimeoutMs: number;
  /** A connection on which no byte moves either way for this long is closed (a stalled upload, say). */
  idleTimeoutMs: number;
  /** A request other than an upload must arrive whole (headers and body) within this. */
  requestTimeoutMs: number;
  /** Exact origins allowed to call the API from a browser, or ['*']; none: no CORS headers at all. */
  corsOrigins: string[];
}

const MiB = 1024 * 1024;

export const DEFAULT_HTTP_LIMITS: Readonly<HttpLimits> = Object.freeze({
  maxJsonBytes: 1 * MiB,
  maxBatchBytes: 16 * MiB,
  maxBatchItems: 10_000,
  rateLimit: 300_000,
  rateLimitWindowMs: 60_000,
  maxConcurrentUploads: 64,
  headersTimeoutMs: 30_000,
  idleTimeoutMs: 120_000,
  requestTimeoutMs: 300_000,
  corsOrigins: [],
});

/**
 * How a route's body is bounded: `json` by maxJsonBytes, `batch` by maxBatchBytes (and its
 * `batchFields` by maxBatchItems), `upload` streamed to the blob store (bounded by
 * FATHOM_MAX_UPLOAD_BYTES while streaming, counted against maxConcurrentUploads, and spared the
 * whole-request timeout: a multi-GiB upload may take hours; the idle timeout still applies).
 */
export type BodyKind = 'json' | 'batch' | 'upload';

export interface RouteBody {
  kind: BodyKind;
  batchFields?: readonly string[];
}

const MLFLOW_TRACKING = ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow'];
const MLFLOW_ARTIFACTS = ['/api/2.0/mlflow-artifacts', '/ajax-api/2.0/mlflow-artifacts'];

const entry = (prefixes: string[], method: string, path: string, body: RouteBody): [string, RouteBody][] =>
  prefixes.map((prefix) => [`${method} ${prefix}${path}`, body]);

/**
 * The one table of routes whose body is not an ordinary JSON record: every route not named here
 * that takes a body is `json`. Batch routes are those that can legitimately carry megabytes: a
 * run created with 1,000 parameters of up to 6,000 characters, 1,000 tags of up to 8,000, or a
 * batch of 10,000 points.
 */
export const ROUTE_BODIES: ReadonlyMap<string, RouteBody> = new Map<string, RouteBody>([
  ['POST /api/runs/:id/metrics', { kind: 'batch', batchFields: ['metrics'] }],
  ['POST /api/runs/:id/params', { kind: 'batch', batchFields: ['parameters'] }],
  ['POST /api/experiments/:id/runs', { kind: 'batch', batchFields: ['parameters'] }],
  ['PATCH /api/runs/:id', { kind: 'batch' }],
  ['POST /api/runs/:id/artifacts', { kind: 'upload' }],
  ...entry(MLFLOW_TRACKING, 'POST', '/runs/log-batch', { kind: 'batch', batchFields: ['metrics', 'params', 'tags'] }),
  ...entry(MLFLOW_TRACKING, 'POST', '/runs/log-inputs', { kind: 'batch', batchFields: ['datasets'] }),
  ...entry(MLFLOW_TRACKING, 'POST', '/runs/log-model', { kind: 'batch' }),
  ...entry(MLFLOW_TRACKING, 'POST', '/runs/create', { kind: 'batch', batchFields: ['tags'] }),
  ...entry(MLFLOW_ARTIFACTS, 'PUT', '/artifacts/*', { kind: 'upload' }),
]);

const JSON_BODY: RouteBody = { kind: 'json' };

export function routeBody(method: string, url: string): RouteBody {
  return ROUTE_BODIES.get(`${method} ${url}`) ?? JSON_BODY;
}
