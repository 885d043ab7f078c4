import type { FastifyPluginAsync } from 'fastify';
import type { DependencyContainer } from 'tsyringe';
import { CreateRun } from '../../../application/use-cases/runs/create-run.js';
import { GetRun } from '../../../application/use-cases/runs/get-run.js';
import { LogMetrics } from '../../../application/use-cases/metrics/log-metrics.js';
import { LogParameters } from '../../../application/use-cases/parameters/log-parameters.js';
import { LogRunBatch } from '../../../application/use-cases/runs/log-run-batch.js';
import { LogRunInputs } from '../../../application/use-cases/runs/log-run-inputs.js';
import { MarkRunDeleted } from '../../../application/use-cases/runs/mark-run-deleted.js';
import { RestoreRun } from '../../../application/use-cases/runs/restore-run.js';
import { MAX_SEARCH_LIMIT, SearchRuns } from '../../../application/use-cases/runs/search-runs.js';
import { UpdateRun } from '../../../application/use-cases/runs/update-run.js';
import type { RunView } from '../../../application/run-views.js';
import { DEFAULT_EXPERIMENT_ID } from '../../../application/use-cases/experiments/ensure-default-experiment.js';
import { LookUpExperiment } from '../../../application/use-cases/experiments/look-up-experiment.js';
import { NotFoundError } from '../../../domain/errors.js';
import type { LifecycleStage } from '../../../domain/experiment.js';
import { isFinishedStatus, type RunChanges } from '../../../domain/run.js';
import { MlflowError, invalid } from './errors.js';
import { PARENT_RUN_TAG, RUN_NAME_TAG, SEARCH_DEFAULT_RESULTS, SEARCH_MAX_RESULTS, USER_TAG } from './mlflow-semantics.js';
import { presentRun, presentRunInfo, statusFromMlflow } from './presenters.js';
import { argsOf, badValue, keyValues, objectList, optionalInteger, optionalString, recordOf, requiredString, runIdOf, stringList, viewTypeOf } from './request.js';
import { checkBatchSize, datasetInputOf, keyValuesLenient, metricOf, parameterValueOf, withoutNameTag } from './run-arguments.js';
import { randomRunName } from './run-names.js';
import { translateRunFilter, translateRunOrderBy } from './run-search-translation.js';
import { actorOf } from '../shared/authentication.js';

/** The Fathom filter for a run search: MLflow's filter, within the lifecycle stage its view type asks for. */
function runSearchFilter(mlflowFilter: string, lifecycle: LifecycleStage | 'all'): string {
  const translated = translateRunFilter(mlflowFilter);
  const stage = lifecycle === 'all' ? '' : `lifecycleStage = '${lifecycle}'`;
  return [translated && `(${translated})`, stage].filter(Boolean).join(' and ');
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
  const logBatch = container.resolve(LogRunBatch);
  const logInputs = container.resolve(LogRunInputs);
  const search = container.resolve(SearchRuns);
  const lookUpExperiment = container.resolve(LookUpExperiment);
  const hidden = { schema: { hide: true } };
  const readOnly = { ...hidden, config: { access: 'read' as const } };

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
   * Up to maxResults runs from a page token on. Fathom pages at most 10,000 runs at a time;
   * MLflow allows 50,000: follow the pages.
   */
  const searchPages = async (query: { experimentIds: string[]; filter: string; orderBy: string[] }, maxResults: number, pageToken: string | undefined) => {
    const runs: RunView[] = [];
    let nextPageToken = pageToken;
    do {
      const page = await search.execute({
        ...query,
        limit: Math.min(MAX_SEARCH_LIMIT, maxResults - runs.length),
        ...(nextPageToken ? { pageToken: nextPageToken } : {}),
      });
      runs.push(...page.runs);
      nextPageToken = page.nextPageToken;
    } while (nextPageToken && runs.length < maxResults);
    return { runs, nextPageToken };
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
    const actor = actorOf(request);
    // With authentication on, the run is the token's user's, whatever user_id or mlflow.user claim.
    if (!actor.anonymous) tags[USER_TAG] = actor.user;
    const createdBy = optionalString(args, 'user_id') || tags[USER_TAG];
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
    }, actor);
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
    await trash.execute(runIdOf(argsOf(request)), actorOf(request));
    return {};
  });

  app.post('/runs/restore', hidden, async (request) => {
    await restore.execute(runIdOf(argsOf(request)), actorOf(request));
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
    // MLflow sees every parameter as text: logging back the text of a held number is a repeat.
    await logParameters.execute(id, [{ key, value: parameterValueOf(args.value, 'value') }], { asText: true });
    return {};
  });

  app.post('/runs/log-batch', hidden, async (request) => {
    const args = argsOf(request);
    const id = runIdOf(args);
    const metrics = objectList(args, 'metrics');
    const params = keyValuesLenient(args, 'params');
    const tagList = keyValues(args, 'tags');
    checkBatchSize({ metrics, params, tags: tagList });
    const { tags, nameTag } = withoutNameTag(recordOf(tagList));
    const parent = Object.hasOwn(tags, PARENT_RUN_TAG) ? await parentTag(tags[PARENT_RUN_TAG] as string) : undefined;
    await logBatch.execute(id, {
      metrics: metrics.map((m, i) => metricOf(m, `metrics[${i}]`)),
      parameters: params,
      parametersAsText: true,
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

  app.post('/runs/search', readOnly, async (request) => {
    const args = argsOf(request);
    const askedFor = stringList(args, 'experiment_ids');
    const maxResults = optionalInteger(args, 'max_results', { min: 1, max: SEARCH_MAX_RESULTS }) ?? SEARCH_DEFAULT_RESULTS;
    const lifecycle = viewTypeOf(args, 'run_view_type');
    const filter = runSearchFilter(optionalString(args, 'filter') ?? '', lifecycle);
    const orderBy = translateRunOrderBy(stringList(args, 'order_by'));
    // As MLflow: runs of the experiments named that exist; none named, none found.
    const experimentIds = await knownExperiments(askedFor);
    if (experimentIds.length === 0) return {};
    const { runs, nextPageToken } = await searchPages({ experimentIds, filter, orderBy }, maxResults, optionalString(args, 'page_token') || undefined);
    return { ...(runs.length > 0 ? { runs: runs.map(presentRun) } : {}), ...(nextPageToken ? { next_page_token: nextPageToken } : {}) };
  });

  app.post('/runs/log-inputs', hidden, async (request) => {
    const args = argsOf(request);
    const id = runIdOf(args);
    await logInputs.execute(id, objectList(args, 'datasets').map(datasetInputOf));
    return {};
  });
};
