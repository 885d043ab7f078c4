import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { DependencyContainer } from 'tsyringe';
import { CreateExperiment } from '../../../application/use-cases/experiments/create-experiment.js';
import { DeleteExperiment } from '../../../application/use-cases/experiments/delete-experiment.js';
import { GetExperiment } from '../../../application/use-cases/experiments/get-experiment.js';
import { GetExperimentSummary } from '../../../application/use-cases/experiments/get-experiment-summary.js';
import { ListExperiments } from '../../../application/use-cases/experiments/list-experiments.js';
import { RestoreExperiment } from '../../../application/use-cases/experiments/restore-experiment.js';
import { UpdateExperiment } from '../../../application/use-cases/experiments/update-experiment.js';
import { presentExperiment, presentExperimentSummary } from './presenters.js';
import { csv, defined, timestamp } from './query.js';
import { Experiment, ExperimentSummary, IdParams, withProblems } from './schemas.js';
import { actorOf } from '../shared/authentication.js';

const Tags = Type.Array(Type.String(), { maxItems: 1000, description: 'lower-cased and de-duplicated; 1-64 characters each, at most 64' });

export const experimentRoutes: FastifyPluginAsyncTypebox<{ container: DependencyContainer }> = async (app, { container }) => {
  const create = container.resolve(CreateExperiment);
  const list = container.resolve(ListExperiments);
  const get = container.resolve(GetExperiment);
  const getSummary = container.resolve(GetExperimentSummary);
  const update = container.resolve(UpdateExperiment);
  const remove = container.resolve(DeleteExperiment);
  const restore = container.resolve(RestoreExperiment);

  app.post(
    '/experiments',
    {
      schema: {
        tags: ['experiments'],
        summary: 'Create an experiment',
        body: Type.Object(
          {
            name: Type.String({ description: '1-256 characters, unique among active experiments' }),
            description: Type.Optional(Type.String()),
            tags: Type.Optional(Tags),
            properties: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'key/value properties (MLflow experiment tags)' })),
            createdBy: Type.Optional(Type.String({ description: 'ignored with FATHOM_AUTH=token: the creator is the token\'s user' })),
          },
          { additionalProperties: false },
        ),
        response: withProblems({ 201: Experiment }),
      },
    },
    async (request, reply) => {
      const experiment = await create.execute(request.body, actorOf(request));
      return reply.status(201).header('location', `/api/experiments/${experiment.id}`).send(presentExperiment(experiment));
    },
  );

  app.get(
    '/experiments',
    {
      schema: {
        tags: ['experiments'],
        summary: 'List experiments',
        querystring: Type.Object({
          tags: Type.Optional(Type.String({ description: 'comma-separated: experiments having all of them' })),
          anyTags: Type.Optional(Type.String({ description: 'comma-separated: experiments having at least one' })),
          name: Type.Optional(Type.String({ description: 'case-insensitive substring' })),
          createdBy: Type.Optional(Type.String()),
          createdAfter: Type.Optional(Type.String({ description: 'ISO-8601 date or date-time' })),
          createdBefore: Type.Optional(Type.String()),
          updatedAfter: Type.Optional(Type.String()),
          updatedBefore: Type.Optional(Type.String()),
          lifecycle: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('deleted'), Type.Literal('all')])),
          orderBy: Type.Optional(Type.String({ description: 'createdAt | updatedAt | name, - prefix for descending (default -createdAt)' })),
          limit: Type.Optional(Type.Integer({ description: '1-1000, default 100' })),
          pageToken: Type.Optional(Type.String()),
        }),
        response: withProblems({
          200: Type.Object({ experiments: Type.Array(ExperimentSummary), nextPageToken: Type.Optional(Type.String()) }),
        }),
      },
    },
    async (request) => {
      const q = request.query;
      const filter = defined({
        allTags: csv(q.tags),
        anyTags: csv(q.anyTags),
        nameContains: q.name,
        createdBy: q.createdBy,
        createdAfter: timestamp(q.createdAfter),
        createdBefore: timestamp(q.createdBefore),
        updatedAfter: timestamp(q.updatedAfter),
        updatedBefore: timestamp(q.updatedBefore),
        lifecycle: q.lifecycle,
      });
      const page = await list.execute(
        defined({
          filter,
          orderBy: q.orderBy,
          limit: q.limit,
          pageToken: q.pageToken,
        }),
      );
      return { ...page, experiments: page.experiments.map(presentExperimentSummary) };
    },
  );

  app.get(
    '/experiments/:id',
    { schema: { tags: ['experiments'], summary: 'Get an experiment with its runs', params: IdParams, response: withProblems({ 200: Experiment }) } },
    async (request) => presentExperiment(await get.execute(request.params.id)),
  );

  app.get(
    '/experiments/:id/summary',
    {
      schema: {
        tags: ['experiments'],
        summary: 'Get an experiment without its runs: the header and run count, as GET /experiments lists it',
        description: 'The light read of one experiment (active or deleted): its runs are counted, never read, however many it has.',
        params: IdParams,
        response: withProblems({ 200: ExperimentSummary }),
      },
    },
    async (request) => presentExperimentSummary(await getSummary.execute(request.params.id)),
  );

  app.patch(
    '/experiments/:id',
    {
      schema: {
        tags: ['experiments'],
        summary: 'Rename, describe or re-tag an experiment',
        params: IdParams,
        body: Type.Object(
          {
            name: Type.Optional(Type.String()),
            description: Type.Optional(Type.String()),
            tags: Type.Optional(Tags),
            properties: Type.Optional(
              Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()]), { description: 'merged into the properties; null removes a key' }),
            ),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: withProblems({ 200: Experiment }),
      },
    },
    async (request) => presentExperiment(await update.execute(request.params.id, request.body)),
  );

  app.delete(
    '/experiments/:id',
    {
      schema: {
        tags: ['experiments'],
        summary: 'Delete an experiment (restorable), or with permanent=true remove it for good',
        params: IdParams,
        querystring: Type.Object({ permanent: Type.Optional(Type.Boolean({ default: false })) }),
        response: withProblems({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const permanent = request.query.permanent === true;
      await remove.execute(request.params.id, { permanent }, actor);
      // A purge leaves no record to carry deletedBy: the log keeps who did it.
      if (permanent) request.log.info({ user: actor.user, experimentId: request.params.id }, 'experiment deleted for good');
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/experiments/:id/restore',
    {
      schema: {
        tags: ['experiments'],
        summary: 'Restore a deleted experiment and its runs',
        params: IdParams,
        response: withProblems({ 200: Experiment }),
      },
    },
    async (request) => presentExperiment(await restore.execute(request.params.id, actorOf(request))),
  );
};
