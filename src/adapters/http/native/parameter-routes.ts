import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { DependencyContainer } from 'tsyringe';
import { GetParameterSpace } from '../../../application/use-cases/parameters/get-parameter-space.js';
import { ListParameters } from '../../../application/use-cases/parameters/list-parameters.js';
import { LogParameters } from '../../../application/use-cases/parameters/log-parameters.js';
import { logOneOrBatch } from './query.js';
import { Count, IdParams, Parameter, ParameterValue, withProblems } from './schemas.js';

/** The value's type is checked by the domain, which says what is allowed. */
const InputValue = Type.Unknown({ description: 'a string (≤ 6,000 characters), a finite number or a boolean' });
const Input = Type.Object({ key: Type.String(), value: InputValue }, { additionalProperties: false });
/** One parameter, or `parameters: [...]`. One object schema rather than a union, so errors name the field. */
const Body = Type.Object(
  {
    key: Type.Optional(Type.String()),
    value: Type.Optional(InputValue),
    parameters: Type.Optional(Type.Array(Input, { maxItems: 1000 })),
  },
  { additionalProperties: false },
);

export const parameterRoutes: FastifyPluginAsyncTypebox<{ container: DependencyContainer }> = async (app, { container }) => {
  const log = container.resolve(LogParameters);
  const list = container.resolve(ListParameters);
  const space = container.resolve(GetParameterSpace);

  app.get(
    '/experiments/:id/params',
    {
      schema: {
        tags: ['parameters', 'search'],
        summary: "The experiment's parameter space",
        description:
          'Per key: its type (or mixed), how many runs hold it, how many distinct values; the values with run counts when ' +
          'there are at most 100 (the 100 most common for text keys with more, marked truncated); min and max when every ' +
          'value reads as a number.',
        params: IdParams,
        response: withProblems({
          200: Type.Object({
            parameters: Type.Array(
              Type.Object({
                key: Type.String(),
                type: Type.Union([Type.Literal('string'), Type.Literal('number'), Type.Literal('boolean'), Type.Literal('mixed')]),
                runs: Type.Integer(),
                distinct: Type.Integer(),
                values: Type.Optional(Type.Array(Type.Object({ value: ParameterValue, runs: Type.Integer() }))),
                truncated: Type.Optional(Type.Boolean()),
                min: Type.Optional(Type.Number()),
                max: Type.Optional(Type.Number()),
              }),
            ),
          }),
        }),
      },
    },
    async (request) => ({ parameters: await space.execute(request.params.id) }),
  );

  app.post(
    '/runs/:id/params',
    {
      schema: {
        tags: ['parameters'],
        summary: 'Log one parameter or up to 1,000 (write-once: a different value for a key is a 409)',
        params: IdParams,
        body: Body,
        response: withProblems({ 201: Count }),
      },
    },
    async (request, reply) => {
      const { parameters, ...single } = request.body;
      const logged = await logOneOrBatch(single, parameters, 'parameters', 'parameter', (items) => log.execute(request.params.id, items));
      return reply.status(201).send(logged);
    },
  );

  app.get(
    '/runs/:id/params',
    {
      schema: {
        tags: ['parameters'],
        summary: "A run's parameters, by key",
        params: IdParams,
        response: withProblems({ 200: Type.Object({ parameters: Type.Array(Parameter) }) }),
      },
    },
    async (request) => ({ parameters: await list.execute(request.params.id) }),
  );
};
