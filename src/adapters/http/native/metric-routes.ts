import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { DependencyContainer } from 'tsyringe';
import { GetMetricHistory, type MetricHistory } from '../../../application/use-cases/metrics/get-metric-history.js';
import { GetMetricSeries, MAX_SERIES_KEYS, MAX_SERIES_RUNS, type RunSeries } from '../../../application/use-cases/metrics/get-metric-series.js';
import { GetMetricSummaries } from '../../../application/use-cases/metrics/get-metric-summaries.js';
import { LogMetrics } from '../../../application/use-cases/metrics/log-metrics.js';
import { DEFAULT_MAX_POINTS, DOWNSAMPLE_METHODS, MAX_MAX_POINTS, MIN_MAX_POINTS } from '../../../domain/downsample.js';
import type { MetricInput } from '../../../domain/metric.js';
import { toIso } from '../../../domain/time.js';
import { jsonNumber, presentMetricSummary } from './presenters.js';
import { defined, logOneOrBatch, timestamp } from './query.js';
import { Count, IdParams, MetricSummary, MetricValue, withProblems } from './schemas.js';

/** Values are checked by the domain, which says what is allowed: a finite number, "NaN", "Infinity", "-Infinity". */
const Value = Type.Union([Type.Number(), Type.String()]);
const pointFields = {
  step: Type.Optional(Type.Integer({ minimum: 0, description: "defaults to the key's last step + 1" })),
  timestamp: Type.Optional(Type.String({ description: 'ISO-8601; defaults to the server clock' })),
};
const Point = Type.Object({ key: Type.String(), value: Value, ...pointFields }, { additionalProperties: false });
/** One point, or `metrics: [...]`. One object schema rather than a union, so errors name the field. */
const Body = Type.Object(
  {
    key: Type.Optional(Type.String()),
    value: Type.Optional(Value),
    ...pointFields,
    // How many points one request may carry is the server's setting (FATHOM_MAX_BATCH_ITEMS), checked before this schema.
    metrics: Type.Optional(Type.Array(Point, { description: 'at most FATHOM_MAX_BATCH_ITEMS points (10,000 by default)' })),
  },
  { additionalProperties: false },
);
/**
 * A point as the use case takes it. Built field by field: this runs for every point of every
 * batch. A bad timestamp goes on as NaN, so the domain names it along with every other bad field.
 */
function toInput(p: { key: string; value: unknown; step?: number | undefined; timestamp?: string | undefined }): MetricInput {
  const input: MetricInput = { key: p.key, value: p.value };
  if (p.step !== undefined) input.step = p.step;
  if (p.timestamp !== undefined) input.timestamp = timestamp(p.timestamp);
  return input;
}

const rangeFields = {
  startStep: Type.Optional(Type.Integer({ minimum: 0 })),
  endStep: Type.Optional(Type.Integer({ minimum: 0 })),
  maxPoints: Type.Optional(
    Type.Integer({ minimum: MIN_MAX_POINTS, maximum: MAX_MAX_POINTS, description: `at most this many points (default ${DEFAULT_MAX_POINTS})` }),
  ),
  method: Type.Optional(
    Type.Union(
      DOWNSAMPLE_METHODS.map((m) => Type.Literal(m)),
      { description: 'minmax (default): each bucket keeps its lowest and highest point; lttb: the shape; none: every point' },
    ),
  ),
};
const History = Type.Object({
  key: Type.String(),
  points: Type.Array(Type.Object({ step: Type.Integer(), value: MetricValue, timestamp: Type.String() })),
  total: Type.Integer({ description: 'points in the range before downsampling' }),
  returned: Type.Integer(),
  method: Type.String(),
});

const Series = Type.Object({
  runId: Type.String(),
  key: Type.String(),
  steps: Type.Array(Type.Integer()),
  values: Type.Array(MetricValue),
  timestamps: Type.Array(Type.Number({ description: 'epoch milliseconds' })),
  total: Type.Integer({ description: 'points in the range before downsampling' }),
  returned: Type.Integer(),
  method: Type.String(),
});

export const metricRoutes: FastifyPluginAsyncTypebox<{ container: DependencyContainer }> = async (app, { container }) => {
  const log = container.resolve(LogMetrics);
  const summaries = container.resolve(GetMetricSummaries);
  const history = container.resolve(GetMetricHistory);
  const series = container.resolve(GetMetricSeries);

  app.post(
    '/runs/:id/metrics',
    {
      schema: {
        tags: ['metrics'],
        summary: 'Log one metric point, or a batch (all or nothing; up to 10,000 points by default)',
        params: IdParams,
        body: Body,
        response: withProblems({ 201: Count }),
      },
    },
    async (request, reply) => {
      const { metrics, ...single } = request.body;
      const logged = await logOneOrBatch(single, metrics, 'metrics', 'point', (points) => log.execute(request.params.id, points.map(toInput)));
      return reply.status(201).send(logged);
    },
  );

  app.get(
    '/runs/:id/metrics',
    {
      schema: {
        tags: ['metrics'],
        summary: 'Per metric key: latest point, min, max, mean, count, first and last step',
        params: IdParams,
        response: withProblems({ 200: Type.Object({ metrics: Type.Array(MetricSummary) }) }),
      },
    },
    async (request) => ({ metrics: (await summaries.execute(request.params.id)).map(presentMetricSummary) }),
  );

  app.get(
    '/runs/:id/metrics/*',
    {
      schema: {
        tags: ['metrics'],
        summary: "One metric's history in step order",
        description: 'The key is the rest of the path and may contain / (train/loss), encoded or not.',
        // The key is the wildcard ('*') part of the path: TypeBox cannot convert a property named '*'.
        params: IdParams,
        querystring: Type.Object(rangeFields),
        response: withProblems({ 200: History }),
      },
    },
    async (request) => {
      const key = (request.params as { '*'?: string })['*'] ?? '';
      return presentHistory(await history.execute(request.params.id, key, defined(request.query)));
    },
  );

  app.post(
    '/metrics/series',
    {
      config: { access: 'read' },
      schema: {
        tags: ['metrics'],
        summary: 'Downsampled series of several runs and keys in one request: what a comparison chart needs',
        description:
          'One series per (run, key), runs in the order given and keys in the order given within each run. Each series is ' +
          'columnar, as chart libraries take it: steps, values and timestamps (epoch milliseconds) at the same index.',
        body: Type.Object(
          {
            runIds: Type.Array(Type.String(), { minItems: 1, maxItems: MAX_SERIES_RUNS }),
            keys: Type.Array(Type.String(), { minItems: 1, maxItems: MAX_SERIES_KEYS }),
            ...rangeFields,
          },
          { additionalProperties: false },
        ),
        response: withProblems({ 200: Type.Object({ series: Type.Array(Series) }) }),
      },
      // A comparison chart is up to 2,000 series of 1,000 points: the presenter builds exactly the
      // documented shape (plain arrays of numbers), which JSON.stringify writes several times
      // faster than a schema serializer checking a union per value.
      serializerCompiler: () => (data) => JSON.stringify(data),
    },
    async (request) => ({
      series: (await series.execute(defined(request.body))).map(presentSeries),
    }),
  );
};

/** The series' columns as plain arrays (JSON.stringify writes typed arrays as objects). */
function presentSeries(result: RunSeries) {
  const { columns } = result;
  const steps = Array.from(columns.steps);
  const values = Array.from(columns.values, jsonNumber);
  const timestamps = Array.from(columns.timestamps);
  return { runId: result.runId, key: result.key, steps, values, timestamps, total: result.total, returned: result.returned, method: result.method };
}

function presentHistory(result: MetricHistory) {
  return {
    key: result.key,
    points: result.points.map((p) => ({ step: p.step, value: jsonNumber(p.value), timestamp: toIso(p.timestamp) })),
    total: result.total,
    returned: result.returned,
    method: result.method,
  };
}
