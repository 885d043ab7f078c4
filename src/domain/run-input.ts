import { Issues } from './errors.js';
import { checkText } from './keys.js';

/**
 * A dataset a run used (MLflow's `log-inputs`): described, not stored. A run holds each
 * (name, digest) once; logging it again leaves the first record as it was.
 */
export interface DatasetInput {
  name: string;
  /** A short fingerprint of the content, as the client computed it. */
  digest: string;
  /** Where it came from: `local`, `s3`, `http`, `huggingface`, … */
  sourceType: string;
  /** The source's description, typically JSON text. */
  source: string;
  schema?: string;
  profile?: string;
  /** Tags of this use of the dataset, e.g. `mlflow.data.context` = `training`. */
  tags: Record<string, string>;
}

/** MLflow's limits, so a dataset MLflow accepts is accepted here and the other way round. */
export const DATASET_LIMITS = {
  inputs: 1_000,
  name: 500,
  digest: 36,
  sourceType: 64,
  source: 65_535,
  schema: 1_048_575,
  profile: 16_777_215,
  tags: 100,
  tagKey: 255,
  tagValue: 500,
} as const;

export interface DatasetInputDraft {
  name: unknown;
  digest: unknown;
  sourceType: unknown;
  source: unknown;
  schema?: unknown;
  profile?: unknown;
  tags?: readonly { key: unknown; value: unknown }[];
}

/** Validates datasets; throws InvalidArgumentError naming every bad field. */
export function toDatasetInputs(drafts: readonly DatasetInputDraft[], basePath = '/datasets'): DatasetInput[] {
  const issues = new Issues();
  if (drafts.length > DATASET_LIMITS.inputs) {
    issues.add(basePath, `must hold at most ${DATASET_LIMITS.inputs} datasets`);
    issues.throwIfAny();
  }
  const inputs = drafts.map((draft, i) => {
    const path = `${basePath}/${i}`;
    const text = (value: unknown, field: string, max: number, required: boolean): string | undefined => {
      if (value === undefined && !required) return undefined;
      if (typeof value !== 'string' || (required && value.length === 0)) {
        issues.add(`${path}/${field}`, required ? 'is required (non-empty text)' : 'must be text');
        return undefined;
      }
      if (value.length > max) issues.add(`${path}/${field}`, `must be at most ${max} characters`);
      else checkText(value, `${path}/${field}`, issues);
      return value;
    };
    const input: DatasetInput = {
      name: text(draft.name, 'name', DATASET_LIMITS.name, true) ?? '',
      digest: text(draft.digest, 'digest', DATASET_LIMITS.digest, true) ?? '',
      sourceType: text(draft.sourceType, 'sourceType', DATASET_LIMITS.sourceType, true) ?? '',
      source: text(draft.source, 'source', DATASET_LIMITS.source, true) ?? '',
      tags: {},
    };
    const schema = text(draft.schema, 'schema', DATASET_LIMITS.schema, false);
    if (schema !== undefined) input.schema = schema;
    const profile = text(draft.profile, 'profile', DATASET_LIMITS.profile, false);
    if (profile !== undefined) input.profile = profile;
    const tags = draft.tags ?? [];
    if (tags.length > DATASET_LIMITS.tags) issues.add(`${path}/tags`, `must hold at most ${DATASET_LIMITS.tags} tags`);
    tags.forEach((tag, j) => {
      const key = text(tag.key, `tags/${j}/key`, DATASET_LIMITS.tagKey, true);
      const value = text(tag.value, `tags/${j}/value`, DATASET_LIMITS.tagValue, true);
      if (key !== undefined && value !== undefined) {
        Object.defineProperty(input.tags, key, { value, enumerable: true, writable: true, configurable: true });
      }
    });
    return input;
  });
  issues.throwIfAny();
  return inputs;
}
