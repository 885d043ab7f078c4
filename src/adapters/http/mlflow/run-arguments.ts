import type { MetricInput } from '../../../domain/metric.js';
import type { DatasetInputDraft } from '../../../domain/run-input.js';
import { invalid } from './errors.js';
import { RUN_NAME_TAG } from './mlflow-semantics.js';
import { badValue, keyValues, objectList, optionalInteger, type Args } from './request.js';

/**
 * A run's data as MLflow clients send it (metrics, params, tags, dataset inputs), read into
 * Fathom's inputs. Checks the shape of what was sent; Fathom's use cases check the rest.
 */

/** MLflow's log-batch limits. */
export const BATCH_LIMITS = { metrics: 1_000, params: 100, tags: 100, total: 1_000 } as const;

const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A metric value as MLflow clients send it: a number, "NaN", "Infinity", "-Infinity", or a number as text. */
function metricValueOf(value: unknown): unknown {
  return typeof value === 'string' && NUMBER_TEXT.test(value.trim()) ? Number(value) : value;
}

/** A metric as MLflow sends it; the step defaults to 0 (MLflow's default), the timestamp to now. */
export function metricOf(entry: Args, at: string): MetricInput {
  const key = entry.key;
  if (typeof key !== 'string' || key === '') badValue(`${at}.key`, key, 'must be a non-empty string');
  if (entry.value === undefined || entry.value === null) badValue(`${at}.value`, entry.value, 'is required: a number, "NaN", "Infinity" or "-Infinity"');
  const input: MetricInput = { key, value: metricValueOf(entry.value), step: optionalInteger(entry, 'step', { min: 0 }) ?? 0 };
  const timestamp = optionalInteger(entry, 'timestamp');
  if (timestamp !== undefined) input.timestamp = timestamp;
  return input;
}

/** Parameters are text in MLflow; a number or boolean sent by a hand-written client is kept as its text. */
export function parameterValueOf(value: unknown, at: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return badValue(at, value, 'must be a string');
}

/** Params of a batch: `[{key, value}]`, a value that is a number or boolean kept as its text. */
export function keyValuesLenient(args: Args, name: string): { key: string; value: string }[] {
  return objectList(args, name).map((entry, i) => {
    if (typeof entry.key !== 'string' || entry.key === '') badValue(`${name}[${i}].key`, entry.key, 'must be a non-empty string');
    return { key: entry.key, value: parameterValueOf(entry.value, `${name}[${i}].value`) };
  });
}

/** Refuses a log-batch request over MLflow's limits, in MLflow's words. */
export function checkBatchSize(batch: { metrics: readonly unknown[]; params: readonly unknown[]; tags: readonly unknown[] }): void {
  for (const name of ['metrics', 'params', 'tags'] as const) {
    const list = batch[name];
    if (list.length > BATCH_LIMITS[name]) throw invalid(`A batch logging request can contain at most ${BATCH_LIMITS[name]} ${name}. Got ${list.length} ${name}.`);
  }
  const total = batch.metrics.length + batch.params.length + batch.tags.length;
  if (total > BATCH_LIMITS.total) throw invalid(`A batch logging request can contain at most ${BATCH_LIMITS.total} metrics, params and tags in total. Got ${total}.`);
}

/** Splits MLflow's run-name tag out of tags: Fathom keeps the name as the run's name. */
export function withoutNameTag(tags: Record<string, string>): { tags: Record<string, string>; nameTag: string | undefined } {
  const nameTag = Object.hasOwn(tags, RUN_NAME_TAG) ? tags[RUN_NAME_TAG] : undefined;
  delete tags[RUN_NAME_TAG];
  return { tags, nameTag };
}

/** One entry of log-inputs' `datasets`: the dataset and its input tags, in Fathom's names. */
export function datasetInputOf(entry: Args, i: number): DatasetInputDraft {
  const dataset = entry.dataset;
  if (typeof dataset !== 'object' || dataset === null || Array.isArray(dataset)) badValue(`datasets[${i}].dataset`, dataset, 'must be an object');
  const d = dataset as Args;
  return {
    name: d.name,
    digest: d.digest,
    sourceType: d.source_type,
    source: d.source,
    ...(d.schema !== undefined ? { schema: d.schema } : {}),
    ...(d.profile !== undefined ? { profile: d.profile } : {}),
    tags: keyValues(entry, 'tags'),
  };
}
