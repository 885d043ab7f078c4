import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { DependencyContainer } from 'tsyringe';
import { TOKENS, type AuthMode } from '../../../application/tokens.js';
import { AddUser } from '../../../application/use-cases/access/add-user.js';
import { ChangeUserRole } from '../../../application/use-cases/access/change-user-role.js';
import { CreateToken } from '../../../application/use-cases/access/create-token.js';
import { ListTokens } from '../../../application/use-cases/access/list-tokens.js';
import { ListUsers } from '../../../application/use-cases/access/list-users.js';
import { RemoveUser } from '../../../application/use-cases/access/remove-user.js';
import { RevokeToken } from '../../../application/use-cases/access/revoke-token.js';
import type { ApiToken, User } from '../../../domain/access.js';
import { toIso } from '../../../domain/time.js';
import { actorOf } from '../shared/authentication.js';
import { withProblems } from './schemas.js';

const Role = Type.Union([Type.Literal('admin'), Type.Literal('writer'), Type.Literal('reader')]);
const Timestamp = Type.String({ format: 'date-time' });
const UserBody = Type.Object({ name: Type.String(), role: Role, createdAt: Timestamp });
/** A token as listed: never its secret, never its hash. */
const TokenBody = Type.Object({
  id: Type.String({ description: 'public: names the token in lists and revocations' }),
  user: Type.String(),
  label: Type.Optional(Type.String()),
  createdAt: Timestamp,
  revokedAt: Type.Optional(Timestamp),
  lastUsedAt: Type.Optional(Type.String({ format: 'date-time', description: 'updated at most once a minute' })),
});
const NameParams = Type.Object({ name: Type.String() });
const admin = { access: 'admin' as const };

function presentUser(user: User) {
  return { name: user.name, role: user.role, createdAt: toIso(user.createdAt) };
}

function presentToken(token: ApiToken) {
  return {
    id: token.id,
    user: token.userName,
    ...(token.label !== undefined ? { label: token.label } : {}),
    createdAt: toIso(token.createdAt),
    ...(token.revokedAt !== undefined ? { revokedAt: toIso(token.revokedAt) } : {}),
    ...(token.lastUsedAt !== undefined ? { lastUsedAt: toIso(token.lastUsedAt) } : {}),
  };
}

/** Who am I (any role), and the admin API for users and tokens (admins only). */
export const accessRoutes: FastifyPluginAsyncTypebox<{ container: DependencyContainer }> = async (app, { container }) => {
  const mode = container.resolve<AuthMode>(TOKENS.AuthMode);
  const addUser = container.resolve(AddUser);
  const listUsers = container.resolve(ListUsers);
  const changeRole = container.resolve(ChangeUserRole);
  const removeUser = container.resolve(RemoveUser);
  const createToken = container.resolve(CreateToken);
  const listTokens = container.resolve(ListTokens);
  const revokeToken = container.resolve(RevokeToken);

  app.get(
    '/auth/me',
    {
      schema: {
        tags: ['access'],
        summary: 'Who the credentials prove: the user, their role, and whether authentication is on',
        response: withProblems({ 200: Type.Object({ user: Type.String(), role: Role, auth: Type.Union([Type.Literal('none'), Type.Literal('token')]) }) }),
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return { user: actor.user, role: actor.role, auth: mode };
    },
  );

  app.get(
    '/admin/users',
    { config: admin, schema: { tags: ['access'], summary: 'List users (admins only)', response: withProblems({ 200: Type.Object({ users: Type.Array(UserBody) }) }) } },
    async (request) => ({ users: (await listUsers.execute(actorOf(request))).map(presentUser) }),
  );

  app.post(
    '/admin/users',
    {
      config: admin,
      schema: {
        tags: ['access'],
        summary: 'Add a user (admins only)',
        body: Type.Object({ name: Type.String({ description: '1-256 characters, trimmed' }), role: Role }, { additionalProperties: false }),
        response: withProblems({ 201: UserBody }),
      },
    },
    async (request, reply) => reply.status(201).send(presentUser(await addUser.execute(request.body, actorOf(request)))),
  );

  app.patch(
    '/admin/users/:name',
    {
      config: admin,
      schema: {
        tags: ['access'],
        summary: "Change a user's role (admins only; the only admin cannot be demoted)",
        params: NameParams,
        body: Type.Object({ role: Role }, { additionalProperties: false }),
        response: withProblems({ 200: UserBody }),
      },
    },
    async (request) => presentUser(await changeRole.execute(request.params.name, request.body.role, actorOf(request))),
  );

  app.delete(
    '/admin/users/:name',
    {
      config: admin,
      schema: {
        tags: ['access'],
        summary: 'Remove a user and every token of theirs (admins only; not the only admin)',
        params: NameParams,
        response: withProblems({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await removeUser.execute(request.params.name, actorOf(request));
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/admin/tokens',
    {
      config: admin,
      schema: {
        tags: ['access'],
        summary: "List tokens, everyone's or one user's, revoked ones included (admins only; never a secret)",
        querystring: Type.Object({ user: Type.Optional(Type.String()) }),
        response: withProblems({ 200: Type.Object({ tokens: Type.Array(TokenBody) }) }),
      },
    },
    async (request) => ({ tokens: (await listTokens.execute(request.query.user, actorOf(request))).map(presentToken) }),
  );

  app.post(
    '/admin/users/:name/tokens',
    {
      config: admin,
      schema: {
        tags: ['access'],
        summary: 'Create a token for a user (admins only): the token is in this answer and nowhere else, ever',
        params: NameParams,
        // No body at all is as good as {}.
        body: Type.Union([Type.Object({ label: Type.Optional(Type.String({ description: 'for people: "laptop", "CI"' })) }, { additionalProperties: false }), Type.Null()]),
        response: withProblems({ 201: Type.Object({ ...TokenBody.properties, token: Type.String({ description: 'fth_<id>_<secret>: store it now' }) }) }),
      },
    },
    async (request, reply) => {
      const label = request.body?.label;
      const created = await createToken.execute(request.params.name, label === undefined ? {} : { label }, actorOf(request));
      return reply.status(201).send({ ...presentToken(created.record), token: created.token });
    },
  );

  app.delete(
    '/admin/tokens/:id',
    {
      config: admin,
      schema: {
        tags: ['access'],
        summary: 'Revoke a token (admins only): its next request fails, on every server',
        params: Type.Object({ id: Type.String() }),
        response: withProblems({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await revokeToken.execute(request.params.id, actorOf(request));
      return reply.status(204).send(null);
    },
  );
};
