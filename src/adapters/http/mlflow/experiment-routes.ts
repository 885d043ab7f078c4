import { createHash } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { DependencyContainer } from 'tsyringe';
import { ChangeExperiment } from '../../../application/use-cases/experiments/change-experiment.js';
import { CreateExperiment } from '../../../application/use-cases/experiments/create-experiment.js';
import { DeleteExperiment } from '../../../application/use-cases/experiments/delete-experiment.js';
import { DEFAULT_EXPERIMENT_ID } from '../../../application/use-cases/experiments/ensure-default-experiment.js';
import { ListExperiments } from '../../../application/use-cases/experiments/list-experiments.js';
import { LookUpExperiment } from '../../../application/use-cases/experiments/look-up-experiment.js';
import { RestoreExperiment } from '../../../application/use-cases/experiments/restore-experiment.js';
import type { Experiment, LifecycleStage } from '../../../domain/experiment.js';
import { invalid, MlflowError } from './errors.js';
import { parseExperimentFilter, parseExperimentOrderBy, type ExperimentFacts } from './experiment-search.js';
import { SEARCH_DEFAULT_RESULTS, SEARCH_MAX_RESULTS } from './mlflow-semantics.js';
import { presentExperiment } from './presenters.js';
import { argsOf, decodeToken, encodeToken, keyValues, optionalInteger, optionalString, recordOf, requiredString, stringList, viewTypeOf, type Args } from './request.js';
import { actorOf } from '../shared/authentication.js';

function facts(e: Experiment): ExperimentFacts {
  return { id: e.id, name: e.name, creationTime: e.createdAt, lastUpdateTime: e.updatedAt, tags: e.properties };
}

/** MLflow's experiment endpoints over Fathom's experiment use cases. MLflow's tags are Fathom's properties. */
export const experimentRoutes: FastifyPluginAsync<{ container: DependencyContainer }> = async (app, { container }) => {
  const create = container.resolve(CreateExperiment);
  const lookUp = container.resolve(LookUpExperiment);
  const change = container.resolve(ChangeExperiment);
  const remove = container.resolve(DeleteExperiment);
  const restore = container.resolve(RestoreExperiment);
  const list = container.resolve(ListExperiments);
  const hidden = { schema: { hide: true } };
  const readOnly = { ...hidden, config: { access: 'read' as const } };

  app.post('/experiments/create', hidden, async (request) => {
    const args = argsOf(request);
    const name = requiredString(args, 'name');
    const experiment = await create.execute({ name, properties: recordOf(keyValues(args, 'tags')) }, actorOf(request));
    return { experiment_id: experiment.id };
  });

  app.get('/experiments/get', hidden, async (request) => {
    const id = requiredString(argsOf(request), 'experiment_id');
    return { experiment: presentExperiment(await lookUp.execute({ id })) };
  });

  app.get('/experiments/get-by-name', hidden, async (request) => {
    const name = requiredString(argsOf(request), 'experiment_name');
    // Fathom keeps names trimmed: the name a client created an experiment with must find it again.
    return { experiment: presentExperiment(await lookUp.execute({ name: name.trim() })) };
  });

  /** Every experiment of a lifecycle stage, a thousand per page: MLflow's filters need them all. */
  const everyExperiment = async (lifecycle: LifecycleStage | 'all'): Promise<Experiment[]> => {
    const all: Experiment[] = [];
    let pageToken: string | undefined;
    do {
      const page = await list.execute({ filter: { lifecycle }, orderBy: 'createdAt', limit: 1_000, ...(pageToken ? { pageToken } : {}) });
      all.push(...page.experiments);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return all;
  };

  const search = async (args: Args) => {
    const maxResults = optionalInteger(args, 'max_results', { min: 1, max: SEARCH_MAX_RESULTS }) ?? SEARCH_DEFAULT_RESULTS;
    const lifecycle = viewTypeOf(args, 'view_type');
    const filterText = optionalString(args, 'filter') ?? '';
    const orderBy = stringList(args, 'order_by');
    const matches = parseExperimentFilter(filterText);
    const compare = parseExperimentOrderBy(orderBy);
    // A token holds an offset and the query it belongs to, so it cannot page another query.
    const query = createHash('sha256').update(JSON.stringify([lifecycle, filterText, orderBy])).digest('base64url').slice(0, 16);
    const token = optionalString(args, 'page_token');
    let offset = 0;
    if (token) {
      const decoded = decodeToken(token) as { offset?: unknown; query?: unknown } | null;
      if (!decoded || decoded.query !== query || typeof decoded.offset !== 'number' || !Number.isSafeInteger(decoded.offset) || decoded.offset < 0) {
        throw invalid(`Invalid value "${token}" for parameter 'page_token' supplied: it belongs to another search, or is not a token this server gave out`);
      }
      offset = decoded.offset;
    }
    const found = (await everyExperiment(lifecycle)).filter((e) => matches(facts(e))).sort((a, b) => compare(facts(a), facts(b)));
    const page = found.slice(offset, offset + maxResults);
    const next = offset + maxResults < found.length ? encodeToken({ offset: offset + maxResults, query }) : undefined;
    return { ...(page.length > 0 ? { experiments: page.map(presentExperiment) } : {}), ...(next ? { next_page_token: next } : {}) };
  };
  app.get('/experiments/search', hidden, async (request) => search(argsOf(request)));
  app.post('/experiments/search', readOnly, async (request) => search(argsOf(request)));

  app.post('/experiments/update', hidden, async (request) => {
    const args = argsOf(request);
    const id = requiredString(args, 'experiment_id');
    await change.execute(id, { name: requiredString(args, 'new_name') });
    return {};
  });

  app.post('/experiments/delete', hidden, async (request) => {
    const id = requiredString(argsOf(request), 'experiment_id');
    if (id === DEFAULT_EXPERIMENT_ID) throw invalid(`Cannot delete the default experiment '${DEFAULT_EXPERIMENT_ID}'. This is an internally reserved experiment.`);
    await remove.execute(id, {}, actorOf(request));
    return {};
  });

  app.post('/experiments/restore', hidden, async (request) => {
    await restore.execute(requiredString(argsOf(request), 'experiment_id'), actorOf(request));
    return {};
  });

  app.post('/experiments/set-experiment-tag', hidden, async (request) => {
    const args = argsOf(request);
    const id = requiredString(args, 'experiment_id');
    const key = requiredString(args, 'key');
    const value = optionalString(args, 'value') ?? '';
    await change.execute(id, { properties: { [key]: value } });
    return {};
  });

  app.post('/experiments/delete-experiment-tag', hidden, async (request) => {
    const args = argsOf(request);
    const id = requiredString(args, 'experiment_id');
    const key = requiredString(args, 'key');
    const experiment = await lookUp.execute({ id });
    if (!Object.hasOwn(experiment.properties, key)) {
      throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `No tag with name: ${key} in experiment with id ${id}`);
    }
    await change.execute(id, { properties: { [key]: null } });
    return {};
  });
};
