import { Type, type TSchema } from 'typebox';
import { ARTIFACT_TYPES } from '../../../domain/artifact.js';

/** JSON shapes of the native API. The OpenAPI document is generated from these, so it cannot drift. */

const Timestamp = Type.String({ format: 'date-time', description: 'ISO-8601 UTC with milliseconds' });
const Id = Type.String({ description: 'opaque, URL-safe, server-made' });
/** JSON has no NaN or infinities: they travel as the strings "NaN", "Infinity", "-Infinity". */
export const MetricValue = Type.Union([Type.Number(), Type.Union([Type.Literal('NaN'), Type.Literal('Infinity'), Type.Literal('-Infinity')])]);
export const ParameterValue = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);

export const Parameter = Type.Object({
  key: Type.String(),
  value: ParameterValue,
  type: Type.Union([Type.Literal('string'), Type.Literal('number'), Type.Literal('boolean')]),
});

export const Metric = Type.Object({ key: Type.String(), value: MetricValue, step: Type.Integer(), timestamp: Timestamp });

export const ArtifactType = Type.Union(ARTIFACT_TYPES.map((type) => Type.Literal(type)));

export const Artifact = Type.Object({
  id: Id,
  runId: Id,
  experimentId: Id,
  name: Type.String(),
  type: ArtifactType,
  path: Type.String({ description: 'storage key (content address)' }),
  size: Type.Integer(),
  sha256: Type.String(),
  version: Type.String(),
  tags: Type.Array(Type.String()),
  contentType: Type.String(),
  metadata: Type.Record(Type.String(), Type.Unknown()),
  uploadedAt: Timestamp,
});

export const RunStatus = Type.Union([Type.Literal('running'), Type.Literal('scheduled'), Type.Literal('completed'), Type.Literal('failed'), Type.Literal('killed')]);
const Lifecycle = Type.Union([Type.Literal('active'), Type.Literal('deleted')]);

export const DatasetInput = Type.Object({
  name: Type.String(),
  digest: Type.String(),
  sourceType: Type.String(),
  source: Type.String(),
  schema: Type.Optional(Type.String()),
  profile: Type.Optional(Type.String()),
  tags: Type.Record(Type.String(), Type.String()),
});

export const Run = Type.Object({
  id: Id,
  experimentId: Id,
  name: Type.Optional(Type.String()),
  status: RunStatus,
  lifecycleStage: Lifecycle,
  parameters: Type.Array(Parameter),
  metrics: Type.Array(Metric, { description: 'the latest point of each key' }),
  artifacts: Type.Array(Artifact),
  inputs: Type.Array(DatasetInput, { description: 'the datasets the run used (logged through the MLflow API)' }),
  tags: Type.Record(Type.String(), Type.String()),
  parentRunId: Type.Optional(Id),
  createdBy: Type.String(),
  deletedBy: Type.Optional(Type.String({ description: 'who moved it to the trash; only while deleted' })),
  startedAt: Timestamp,
  completedAt: Type.Optional(Timestamp),
  duration: Type.Optional(Type.Number({ description: 'seconds' })),
});

const experimentFields = {
  id: Id,
  name: Type.String(),
  description: Type.Optional(Type.String()),
  tags: Type.Array(Type.String()),
  properties: Type.Record(Type.String(), Type.String(), { description: 'key/value properties (MLflow experiment tags)' }),
  createdBy: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  lifecycleStage: Lifecycle,
  deletedBy: Type.Optional(Type.String({ description: 'who moved it to the trash; only while deleted' })),
};

export const Experiment = Type.Object({ ...experimentFields, runs: Type.Array(Run) });
export const ExperimentSummary = Type.Object({ ...experimentFields, runCount: Type.Integer() });

export const MetricSummary = Type.Object({
  key: Type.String(),
  last: Type.Object({ value: MetricValue, step: Type.Integer(), timestamp: Timestamp }),
  min: MetricValue,
  max: MetricValue,
  mean: MetricValue,
  count: Type.Integer(),
  firstStep: Type.Integer(),
  lastStep: Type.Integer(),
});

const Ranked = Type.Union([Type.Object({ runId: Id, experimentId: Id, value: MetricValue }), Type.Null()]);

export const Comparison = Type.Object({
  experimentIds: Type.Array(Id),
  runs: Type.Array(
    Type.Object({
      runId: Id,
      runName: Type.Optional(Type.String()),
      experimentId: Id,
      experimentName: Type.String(),
      status: RunStatus,
      parameters: Type.Record(Type.String(), ParameterValue),
      metrics: Type.Record(Type.String(), MetricValue),
    }),
  ),
  parameterDiff: Type.Array(
    Type.Object({ key: Type.String(), values: Type.Record(Type.String(), Type.Union([ParameterValue, Type.Null()])), isDifferent: Type.Boolean() }),
  ),
  metricComparison: Type.Array(
    Type.Object({
      metricKey: Type.String(),
      goal: Type.Union([Type.Literal('min'), Type.Literal('max')]),
      values: Type.Record(Type.String(), MetricValue),
      best: Ranked,
      worst: Ranked,
    }),
  ),
});

export const Count = Type.Object({ count: Type.Integer() });
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

/** Adds the problem+json error responses to a route's documented responses. */
export function withProblems<T extends Record<number, TSchema>>(responses: T): T & Record<'4xx' | '5xx', TSchema> {
  return { ...responses, '4xx': Type.Unsafe({ $ref: 'Problem#' }), '5xx': Type.Unsafe({ $ref: 'Problem#' }) };
}
