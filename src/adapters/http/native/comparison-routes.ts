import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { DependencyContainer } from 'tsyringe';
import { CompareExperiments } from '../../../application/use-cases/comparison/compare-experiments.js';
import { CompareRuns } from '../../../application/use-cases/comparison/compare-runs.js';
import { parseGoals } from '../../../domain/comparison.js';
import { presentComparison } from './presenters.js';
import { csv, defined } from './query.js';
import { Comparison, withProblems } from './schemas.js';

const GoalsDescription = 'per metric, min or max; otherwise inferred from the name (loss, error, time, … are minimised)';

export const comparisonRoutes: FastifyPluginAsyncTypebox<{ container: DependencyContainer }> = async (app, { container }) => {
  const compareExperiments = container.resolve(CompareExperiments);
  const compareRuns = container.resolve(CompareRuns);

  app.get(
    '/experiments/compare',
    {
      schema: {
        tags: ['comparison'],
        summary: 'Compare the runs of 1-50 experiments: parameter diff, best and worst per metric',
        querystring: Type.Object({
          ids: Type.String({ description: 'comma-separated experiment ids' }),
          runIds: Type.Optional(Type.String({ description: 'comma-separated: only these runs of those experiments' })),
          goals: Type.Optional(Type.String({ description: `loss:min,acc:max — ${GoalsDescription}` })),
        }),
        response: withProblems({ 200: Comparison }),
      },
    },
    async (request) => {
      const q = request.query;
      const comparison = await compareExperiments.execute(
        defined({
          experimentIds: csv(q.ids) ?? [],
          runIds: csv(q.runIds),
          goals: q.goals === undefined ? undefined : parseGoals(q.goals, '/goals'),
        }),
      );
      return presentComparison(comparison);
    },
  );

  app.post(
    '/runs/compare',
    {
      config: { access: 'read' },
      schema: {
        tags: ['comparison'],
        summary: 'Compare hand-picked runs from any experiments',
        body: Type.Object(
          {
            runIds: Type.Array(Type.String(), { minItems: 1, maxItems: 1000 }),
            goals: Type.Optional(Type.Record(Type.String(), Type.Union([Type.Literal('min'), Type.Literal('max')]), { description: GoalsDescription })),
          },
          { additionalProperties: false },
        ),
        response: withProblems({ 200: Comparison }),
      },
    },
    async (request) => presentComparison(await compareRuns.execute(request.body)),
  );
};
