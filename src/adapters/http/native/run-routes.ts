import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { DependencyContainer } from 'tsyringe';
import { RunViews } from '../../../application/run-views.js';
import { CreateRun } from '../../../application/use-cases/runs/create-run.js';
import { DeleteRun } from '../../../application/use-cases/runs/delete-run.js';
import { GetRun } from '../../../application/use-cases/runs/get-run.js';
import { ListChildRuns } from '../../../application/use-cases/runs/list-child-runs.js';
import { ListRuns } from '../../../application/use-cases/runs/list-runs.js';
import { RestoreRun } from '../../../application/use-cases/runs/restore-run.js';
import { MAX_SEARCH_EXPERIMENTS, MAX_SEARCH_LIMIT, SearchRuns } from '../../../application/use-cases/runs/search-runs.js';
import { MAX_ORDER_TERMS } from '../../../domain/search/filter.js';
import { UpdateRun } from '../../../application/use-cases/runs/update-run.js';
import { presentRun } from './presenters.js';
import { csv, defined, timestamp } from './query.js';
import { IdParams, ParameterValue, Run, RunStatus, withProblems } from './schemas.js';
import { actorOf } from '../shared/authentication.js';

const RunTags = Type.Record(Type.String(), Type.String(), { description: 'key → value' });
const FILTER_DESCRIPTION =
  "the search language, e.g. params.lr < 0.01 and metrics.acc >= 0.9 and tags.team = 'nlp' and status = 'completed' (docs/search.md)";
const ORDER_DESCRIPTION = 'sort terms such as "metrics.acc desc", "params.lr", "startedAt desc"; newest first by default';
const RunPage = Type.Object({ runs: Type.Array(Run), nextPageToken: Type.Optional(Type.String()) });

export const runRoutes: FastifyPluginAsyncTypebox<{ container: DependencyContainer }> = async (app, { container }) => {
  const create = container.resolve(CreateRun);
  const get = container.resolve(GetRun);
  const list = container.resolve(ListRuns);
  const search = container.resolve(SearchRuns);
  const children = container.resolve(ListChildRuns);
  const update = container.resolve(UpdateRun);
  const remove = container.resolve(DeleteRun);
  const restore = container.resolve(RestoreRun);
  const views = container.resolve(RunViews);

  app.post(
    '/experiments/:id/runs',
    {
      schema: {
        tags: ['runs'],
        summary: 'Start a run in an experiment',
        params: IdParams,
        body: Type.Object(
          {
            name: Type.Optional(Type.String()),
            parentRunId: Type.Optional(Type.String({ description: 'an existing run: lineage' })),
            parameters: Type.Optional(
              Type.Array(Type.Object({ key: Type.String(), value: ParameterValue }, { additionalProperties: false }), { maxItems: 1000 }),
            ),
            tags: Type.Optional(RunTags),
            startedAt: Type.Optional(Type.String({ description: 'ISO-8601; defaults to now' })),
          },
          { additionalProperties: false },
        ),
        response: withProblems({ 201: Run }),
      },
    },
    async (request, reply) => {
      const { startedAt, ...rest } = request.body;
      const run = await create.execute(request.params.id, defined({ ...rest, startedAt: timestamp(startedAt) }), actorOf(request));
      return reply.status(201).header('location', `/api/runs/${run.id}`).send(presentRun(run));
    },
  );

  app.get(
    '/experiments/:id/runs',
    {
      schema: {
        tags: ['runs', 'search'],
        summary: "An experiment's runs, filtered and sorted, with their parameters and latest metrics",
        params: IdParams,
        querystring: Type.Object({
          filter: Type.Optional(Type.String({ description: FILTER_DESCRIPTION })),
          orderBy: Type.Optional(Type.String({ description: `comma-separated ${ORDER_DESCRIPTION}` })),
          limit: Type.Optional(Type.Integer({ description: `1-${MAX_SEARCH_LIMIT}, default 100` })),
          pageToken: Type.Optional(Type.String()),
        }),
        response: withProblems({ 200: RunPage }),
      },
    },
    async (request) => {
      const { orderBy, ...rest } = request.query;
      const page = await list.execute(request.params.id, defined({ ...rest, orderBy: csv(orderBy) }));
      return { ...page, runs: page.runs.map(presentRun) };
    },
  );

  app.post(
    '/runs/search',
    {
      config: { access: 'read' },
      schema: {
        tags: ['runs', 'search'],
        summary: 'Search runs with the filter language, in a stable order, a page at a time',
        body: Type.Object(
          {
            experimentIds: Type.Optional(
              Type.Array(Type.String(), { maxItems: MAX_SEARCH_EXPERIMENTS, description: 'default: every active experiment' }),
            ),
            filter: Type.Optional(Type.String({ description: FILTER_DESCRIPTION })),
            orderBy: Type.Optional(Type.Array(Type.String(), { maxItems: MAX_ORDER_TERMS, description: ORDER_DESCRIPTION })),
            limit: Type.Optional(Type.Integer({ description: `1-${MAX_SEARCH_LIMIT}, default 100` })),
            pageToken: Type.Optional(Type.String()),
          },
          { additionalProperties: false },
        ),
        response: withProblems({ 200: RunPage }),
      },
    },
    async (request) => {
      const page = await search.execute(defined(request.body));
      return { ...page, runs: page.runs.map(presentRun) };
    },
  );

  app.get(
    '/runs/:id',
    { schema: { tags: ['runs'], summary: 'Get a run', params: IdParams, response: withProblems({ 200: Run }) } },
    async (request) => presentRun(await get.execute(request.params.id)),
  );

  app.get(
    '/runs/:id/children',
    {
      schema: {
        tags: ['runs'],
        summary: 'The runs whose parent is this run',
        params: IdParams,
        response: withProblems({ 200: Type.Object({ runs: Type.Array(Run) }) }),
      },
    },
    async (request) => ({ runs: (await children.execute(request.params.id)).map(presentRun) }),
  );

  app.patch(
    '/runs/:id',
    {
      schema: {
        tags: ['runs'],
        summary: 'Finish, rename, re-tag or re-parent a run',
        description:
          'Status only moves forward, from running or scheduled to completed, failed or killed; with reopen: true a finished run may change status again (back to running clears completedAt). Tags are merged; a null value removes a tag. parentRunId sets the parent (an existing run, neither this run nor one of its descendants); null removes it.',
        params: IdParams,
        body: Type.Object(
          {
            status: Type.Optional(RunStatus),
            name: Type.Optional(Type.String()),
            tags: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()]))),
            parentRunId: Type.Optional(
              Type.Union([Type.String(), Type.Null()], { description: 'an existing run, not this one nor a descendant: lineage; null removes the parent' }),
            ),
            completedAt: Type.Optional(Type.String({ description: 'ISO-8601; with a finishing status, defaults to now' })),
            reopen: Type.Optional(Type.Boolean({ description: 'let a finished run change status again (resume it)' })),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: withProblems({ 200: Run }),
      },
    },
    async (request) => {
      const { completedAt, ...rest } = request.body;
      return presentRun(await update.execute(request.params.id, defined({ ...rest, completedAt: timestamp(completedAt) })));
    },
  );

  app.post(
    '/runs/:id/restore',
    {
      schema: {
        tags: ['runs'],
        summary: 'Bring back a run from the trash',
        description:
          'MLflow clients delete a run by moving it to the trash (lifecycleStage "deleted": readable, but it takes no writes). ' +
          'This makes it active again; restoring an active run changes nothing. While its experiment is deleted, restore the experiment instead (409).',
        params: IdParams,
        response: withProblems({ 200: Run }),
      },
    },
    // The view of the run as restored, not a second read that a concurrent change could overtake.
    async (request) => presentRun(await views.one(await restore.execute(request.params.id, actorOf(request)))),
  );

  app.delete(
    '/runs/:id',
    {
      schema: {
        tags: ['runs'],
        summary: 'Delete a run with its metrics, parameters and artifacts',
        params: IdParams,
        response: withProblems({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      await remove.execute(request.params.id, actor);
      // The run's records are gone with it: the log keeps who did it.
      request.log.info({ user: actor.user, runId: request.params.id }, 'run deleted for good');
      return reply.status(204).send(null);
    },
  );
};
