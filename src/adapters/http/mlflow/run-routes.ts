import type { FastifyPluginAsync } from 'fastify';
import type { DependencyContainer } from 'tsyringe';
import { CreateRun } from '../../../application/use-cases/runs/create-run.js';
import { GetRun } from '../../../application/use-cases/runs/get-run.js';
import { LogMetrics } from '../../../application/use-cases/metrics/log-metrics.js';
import { ListParameters } from '../../../application/use-cases/parameters/list-parameters.js';
import { LogParameters } from '../../../application/use-cases/parameters/log-parameters.js';
import { LogRunBatch } from '../../../application/use-cases/runs/log-run-batch.js';
import { LogRunInputs } from '../../../application/use-cases/runs/log-run-inputs.js';
import { MarkRunDeleted } from '../../../application/use-cases/runs/mark-run-deleted.js';
import { RestoreRun } from '../../../application/use-cases/runs/restore-run.js';
import { MAX_SEARCH_LIMIT, SearchRuns } from '../../../application/use-cases/runs/search-runs.js';
import { UpdateRun } from '../../../application/use-cases/runs/update-run.js';
import { DEFAULT_EXPERIMENT_ID } from '../../../application/use-cases/experiments/ensure-default-experiment.js';
import { LookUpExperiment } from '../../../application/use-cases/experiments/look-up-experiment.js';
import { NotFoundError } from '../../../domain/errors.js';
import type { MetricInput } from '../../../domain/metric.js';
import { isFinishedStatus, type RunChanges } from '../../../domain/run.js';
import { MlflowError, invalid } from './errors.js';
import { recordOf, SEARCH_DEFAULT_RESULTS, SEARCH_MAX_RESULTS, viewTypeOf } from './experiment-routes.js';
import { PARENT_RUN_TAG, parameterText, presentRun, presentRunInfo, RUN_NAME_TAG, statusFromMlflow } from './presenters.js';
import {
  argsOf,
  badValue,
  keyValues,
  objectList,
  optionalInteger,
  optionalString,
  requiredString,
  runIdOf,
  stringList,
  type Args,
} from './request.js';
import { randomRunName } from './run-names.js';
import { translateRunFilter, translateRunOrderBy } from './search-translation.js';

/** MLflow's log-batch limits. */
export const BATCH_LIMITS = { metrics: 1_000, params: 100, tags: 100, total: 1_000 } as const;

const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A metric value as MLflow clients send it: a number, "NaN", "Infinity", "-Infinity", or a number as text. */
function metricValueOf(value: unknown): unknown {
  return typeof value === 'string' && NUMBER_TEXT.test(value.trim()) ? Number(value) : value;
}

/** A metric as MLflow sends it; the step defaults to 0 (MLflow's default), the timestamp to now. */
function metricOf(entry: Args, at: string): MetricInput {
  const key = entry.key;
  if (typeof key !== 'string' || key === '') badValue(`${at}.key`, key, 'must be a non-empty string');
  if (entry.value === undefined || entry.value === null) badValue(`${at}.value`, entry.value, 'is required: a number, "NaN", "Infinity" or "-Infinity"');
  const input: MetricInput = { key, value: metricValueOf(entry.value), step: optionalInteger(entry, 'step', { min: 0 }) ?? 0 };
  const timestamp = optionalInteger(entry, 'timestamp');
  if (timestamp !== undefined) input.timestamp = timestamp;
  return input;
}

/** Parameters are text in MLflow; a number or boolean sent by a hand-written client is kept as its text. */
function parameterValueOf(value: unknown, at: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return badValue(at, value, 'must be a string');
}

/** Splits MLflow's run-name tag out of tags: Fathom keeps the name as the run's name. */
function withoutNameTag(tags: Record<string, string>): { tags: Record<string, string>; nameTag: string | undefined } {
  const nameTag = Object.hasOwn(tags, RUN_NAME_TAG) ? tags[RUN_NAME_TAG] : undefined;
  delete tags[RUN_NAME_TAG];
  return { tags, nameTag };
}

/** MLflow's run endpoints over Fathom's run, parameter and metric use cases. */
export const runRoutes: FastifyPluginAsync<{ container: DependencyContainer }> = async (app, { container }) => {
  const create = container.resolve(CreateRun);
  const get = container.resolve(GetRun);
  const update = container.resolve(UpdateRun);
  const trash = container.resolve(MarkRunDeleted);
  const restore = container.resolve(RestoreRun);
  const logMetrics = container.resolve(LogMetrics);
  const logParameters = container.resolve(LogParameters);
  const listParameters = container.resolve(ListParameters);
  const logBatch = container.resolve(LogRunBatch);
  const logInputs = container.resolve(LogRunInputs);
  const search = container.resolve(SearchRuns);
  const lookUpExperiment = container.resolve(LookUpExperiment);
  const hidden = { schema: { hide: true } };

  const runExists = async (id: string): Promise<boolean> => {
    try {
      await get.execute(id);
      return true;
    } catch (error) {
      if (error instanceof NotFoundError) return false;
      throw error;
    }
  };

  /**
   * MLflow's parent tag as Fathom holds it: the run's parent when the value names a run Fathom
   * holds (and then no tag of that key is stored), else a plain tag and no parent, so the tag a
   * client reads back is always the value it set.
   */
  const parentTag = async (value: string): Promise<{ parentRunId: string | null; tag: string | null }> =>
    (await runExists(value)) ? { parentRunId: value, tag: null } : { parentRunId: null, tag: value };

  /** The ids that name an experiment: MLflow searches the runs of the others too, and finds none. */
  const knownExperiments = async (ids: readonly string[]): Promise<string[]> => {
    const known: string[] = [];
    for (const id of ids) {
      try {
        known.push((await lookUpExperiment.execute({ id })).id);
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
      }
    }
    return known;
  };

  /**
   * MLflow compares parameters as text. A run may hold one as a number or boolean (logged through
   * the native API), which a client reads as text and may log again (resuming the run, say): that
   * is the same value, not a change, so it is left out instead of failing write-once.
   */
  const notHeldAlready = async (id: string, params: { key: string; value: string }[]): Promise<{ key: string; value: string }[]> => {
    if (params.length === 0) return params;
    const held = new Map((await listParameters.execute(id)).map((p) => [p.key, parameterText(p)]));
    return params.filter(({ key, value }) => held.get(key) !== value);
  };

  app.post('/runs/create', hidden, async (request) => {
    const args = argsOf(request);
    const experimentId = optionalString(args, 'experiment_id') || DEFAULT_EXPERIMENT_ID;
    const runName = optionalString(args, 'run_name') || undefined;
    const { tags, nameTag } = withoutNameTag(recordOf(keyValues(args, 'tags')));
    if (runName !== undefined && nameTag !== undefined && runName !== nameTag) {
      throw invalid(`Both 'run_name' argument and '${RUN_NAME_TAG}' tag are specified, but with different values (run_name='${runName}', ${RUN_NAME_TAG}='${nameTag}').`);
    }
    const startedAt = optionalInteger(args, 'start_time', { min: 0 });
    const createdBy = optionalString(args, 'user_id') || tags['mlflow.user'];
    // Nested runs: the parent tag is Fathom's lineage when it names a run Fathom holds, else a plain tag.
    const parent = tags[PARENT_RUN_TAG];
    const parentRunId = parent !== undefined && (await runExists(parent)) ? parent : undefined;
    if (parentRunId !== undefined) delete tags[PARENT_RUN_TAG];
    const view = await create.execute(experimentId, {
      name: runName ?? nameTag ?? randomRunName(),
      tags,
      ...(startedAt !== undefined ? { startedAt } : {}),
      ...(createdBy ? { createdBy } : {}),
      ...(parentRunId ? { parentRunId } : {}),
    });
    return { run: presentRun(view) };
  });

  app.get('/runs/get', hidden, async (request) => ({ run: presentRun(await get.execute(runIdOf(argsOf(request)))) }));

  app.post('/runs/update', hidden, async (request) => {
    const args = argsOf(request);
    const id = runIdOf(args);
    const status = optionalString(args, 'status');
    const endTime = optionalInteger(args, 'end_time', { min: 0 });
    const runName = optionalString(args, 'run_name');
    // MLflow lets a client set any status at any time (resuming a run sets RUNNING again).
    const changes: RunChanges = { reopen: true };
    if (status) changes.status = statusFromMlflow(status);
    if (runName) changes.name = runName;
    if (endTime !== undefined) {
      // An end time only means something for a finished run; MLflow sends the old one along when resuming.
      const finished = changes.status ? isFinishedStatus(changes.status) : isFinishedStatus((await get.execute(id)).status);
      if (finished) changes.completedAt = endTime;
    }
    return { run_info: presentRunInfo(await update.execute(id, changes)) };
  });

  app.post('/runs/delete', hidden, async (request) => {
    await trash.execute(runIdOf(argsOf(request)));
    return {};
  });

  app.post('/runs/restore', hidden, async (request) => {
    await restore.execute(runIdOf(argsOf(request)));
    return {};
  });

  app.post('/runs/log-metric', hidden, async (request) => {
    const args = argsOf(request);
    const id = runIdOf(args);
    await logMetrics.execute(id, [metricOf(args, 'metric')]);
    return {};
  });

  app.post('/runs/log-parameter', hidden, async (request) => {
    const args = argsOf(request);
    const id = runIdOf(args);
    const key = requiredString(args, 'key');
    if (args.value === undefined || args.value === null) badValue('value', args.value, 'is required');
    await logParameters.execute(id, await notHeldAlready(id, [{ key, value: parameterValueOf(args.value, 'value') }]));
    return {};
  });

  app.post('/runs/log-batch', hidden, async (request) => {
    const args = argsOf(request);
    const id = runIdOf(args);
    const metrics = objectList(args, 'metrics');
    const params = keyValuesLenient(args, 'params');
    const tagList = keyValues(args, 'tags');
    for (const [name, list] of [['metrics', metrics], ['params', params], ['tags', tagList]] as const) {
      if (list.length > BATCH_LIMITS[name]) throw invalid(`A batch logging request can contain at most ${BATCH_LIMITS[name]} ${name}. Got ${list.length} ${name}.`);
    }
    const total = metrics.length + params.length + tagList.length;
    if (total > BATCH_LIMITS.total) throw invalid(`A batch logging request can contain at most ${BATCH_LIMITS.total} metrics, params and tags in total. Got ${total}.`);
    const { tags, nameTag } = withoutNameTag(recordOf(tagList));
    const parent = Object.hasOwn(tags, PARENT_RUN_TAG) ? await parentTag(tags[PARENT_RUN_TAG] as string) : undefined;
    await logBatch.execute(id, {
      metrics: metrics.map((m, i) => metricOf(m, `metrics[${i}]`)),
      parameters: await notHeldAlready(id, params),
      tags: parent ? { ...tags, [PARENT_RUN_TAG]: parent.tag } : tags,
      ...(nameTag !== undefined ? { name: nameTag } : {}),
      ...(parent ? { parentRunId: parent.parentRunId } : {}),
    });
    return {};
  });

  app.post('/runs/set-tag', hidden, async (request) => {
    const args = argsOf(request);
    const id = runIdOf(args);
    const key = requiredString(args, 'key');
    const value = optionalString(args, 'value') ?? '';
    let changes: RunChanges;
    if (key === RUN_NAME_TAG) changes = { name: value };
    else if (key === PARENT_RUN_TAG) {
      const { parentRunId, tag } = await parentTag(value);
      changes = { parentRunId, tags: { [key]: tag } };
    } else changes = { tags: { [key]: value } };
    await update.execute(id, changes);
    return {};
  });

  app.post('/runs/delete-tag', hidden, async (request) => {
    const args = argsOf(request);
    const id = runIdOf(args);
    const key = requiredString(args, 'key');
    const run = await get.execute(id);
    // The name and the parent are shown as tags; deleting the tag removes them.
    let changes: RunChanges | undefined;
    if (key === RUN_NAME_TAG) changes = run.name !== undefined ? { name: '' } : undefined;
    else if (key === PARENT_RUN_TAG && run.parentRunId !== undefined) changes = { parentRunId: null, tags: { [key]: null } };
    else if (Object.hasOwn(run.tags, key)) changes = { tags: { [key]: null } };
    if (!changes) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `No tag with name: ${key} in run with id ${id}`);
    await update.execute(id, changes);
    return {};
  });

  app.post('/runs/search', hidden, async (request) => {
    const args = argsOf(request);
    const askedFor = stringList(args, 'experiment_ids');
    const maxResults = optionalInteger(args, 'max_results', { min: 1, max: SEARCH_MAX_RESULTS }) ?? SEARCH_DEFAULT_RESULTS;
    const lifecycle = viewTypeOf(args, 'run_view_type');
    const translated = translateRunFilter(optionalString(args, 'filter') ?? '');
    const stage = lifecycle === 'all' ? '' : `lifecycleStage = '${lifecycle}'`;
    const filter = [translated && `(${translated})`, stage].filter(Boolean).join(' and ');
    const orderBy = translateRunOrderBy(stringList(args, 'order_by'));
    // As MLflow: runs of the experiments named that exist; none named, none found.
    const experimentIds = await knownExperiments(askedFor);
    if (experimentIds.length === 0) return {};
    // Fathom pages at most 10,000 runs at a time; MLflow allows 50,000: follow the pages.
    const runs: ReturnType<typeof presentRun>[] = [];
    let pageToken = optionalString(args, 'page_token') || undefined;
    do {
      const page = await search.execute({
        experimentIds,
        filter,
        orderBy,
        limit: Math.min(MAX_SEARCH_LIMIT, maxResults - runs.length),
        ...(pageToken ? { pageToken } : {}),
      });
      runs.push(...page.runs.map(presentRun));
      pageToken = page.nextPageToken;
    } while (pageToken && runs.length < maxResults);
    return { ...(runs.length > 0 ? { runs } : {}), ...(pageToken ? { next_page_token: pageToken } : {}) };
  });

  app.post('/runs/log-inputs', hidden, async (request) => {
    const args = argsOf(request);
    const id = runIdOf(args);
    const datasets = objectList(args, 'datasets').map((entry, i) => {
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
    });
    await logInputs.execute(id, datasets);
    return {};
  });
};

/** Params of a batch: `[{key, value}]`, a value that is a number or boolean kept as its text. */
function keyValuesLenient(args: Args, name: string): { key: string; value: string }[] {
  return objectList(args, name).map((entry, i) => {
    if (typeof entry.key !== 'string' || entry.key === '') badValue(`${name}[${i}].key`, entry.key, 'must be a non-empty string');
    return { key: entry.key, value: parameterValueOf(entry.value, `${name}[${i}].value`) };
  });
}
