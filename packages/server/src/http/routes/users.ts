import {
  CreateUserBody,
  SearchUsersQuery,
  UserAccount,
  UserIdParams,
  UserList,
  UserProfile,
} from "@hallway/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { ServiceContext } from "../../services/context.ts";
import { createUser } from "../../services/users/create-user.ts";
import { getUser, searchUsers } from "../../services/users/find-users.ts";
import { authenticateFirst, principalOf } from "../principal.ts";
import { AUTHED_ERRORS, ErrorResponse, SECURITY } from "../schemas.ts";

export function userRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", authenticateFirst(ctx));
    const tags = ["users"];
    app.post(
      "/users",
      {
        schema: {
          tags,
          summary: "Create a local account (admins)",
          security: SECURITY,
          body: CreateUserBody,
          response: { 201: UserAccount, ...AUTHED_ERRORS, 409: ErrorResponse },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await createUser(ctx, await principalOf(ctx, request), request.body)),
    );
    app.get(
      "/users",
      {
        schema: {
          tags,
          summary: "People search by name or username",
          security: SECURITY,
          querystring: SearchUsersQuery,
          response: { 200: UserList, ...AUTHED_ERRORS },
        },
      },
      async (request) => ({ users: await searchUsers(ctx, await principalOf(ctx, request), request.query) }),
    );
    app.get(
      "/users/:userId",
      {
        schema: {
          tags,
          summary: "A user's profile (admins and the user see the whole account)",
          security: SECURITY,
          params: UserIdParams,
          response: { 200: UserAccount.or(UserProfile), ...AUTHED_ERRORS },
        },
      },
      async (request) => getUser(ctx, await principalOf(ctx, request), request.params.userId),
    );
  };
}
