import {
  ConversationParams,
  CreateInviteBody,
  Invite,
  InviteCodeParams,
  InviteList,
  InviteParams,
  JoinInviteResult,
} from "@hallway/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ServiceContext } from "../../services/context.ts";
import { createInvite } from "../../services/invites/create-invite.ts";
import { joinViaInvite } from "../../services/invites/join-via-invite.ts";
import { listInvites } from "../../services/invites/list-invites.ts";
import { revokeInvite } from "../../services/invites/revoke-invite.ts";
import { authenticateFirst, principalOf } from "../principal.ts";
import { publicBaseUrl } from "../public-url.ts";
import { AUTHED_ERRORS, ErrorResponse, SECURITY } from "../schemas.ts";

export function inviteRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", authenticateFirst(ctx));
    const base = { tags: ["invites"], security: SECURITY };
    const errors = { ...AUTHED_ERRORS, 409: ErrorResponse };

    app.post(
      "/conversations/:conversationId/invites",
      {
        schema: {
          ...base,
          summary: "Make an invite link to a group (group admins who may add people)",
          params: ConversationParams,
          body: CreateInviteBody,
          response: { 201: Invite, ...errors },
        },
      },
      async (request, reply) => {
        const invite = await createInvite(
          ctx,
          await principalOf(ctx, request),
          request.params.conversationId,
          request.body,
          { baseUrl: publicBaseUrl(ctx.config, request), ip: request.ip },
        );
        return reply.status(201).send(invite);
      },
    );
    app.get(
      "/conversations/:conversationId/invites",
      {
        schema: {
          ...base,
          summary: "A group's invites, newest first (group admins)",
          params: ConversationParams,
          response: { 200: InviteList, ...errors },
        },
      },
      async (request) =>
        listInvites(ctx, await principalOf(ctx, request), request.params.conversationId, {
          baseUrl: publicBaseUrl(ctx.config, request),
        }),
    );
    app.delete(
      "/conversations/:conversationId/invites/:inviteId",
      {
        schema: {
          ...base,
          summary: "Revoke an invite: it stops working at once (group admins)",
          params: InviteParams,
          response: { 204: z.null(), ...errors },
        },
      },
      async (request, reply) => {
        await revokeInvite(
          ctx,
          await principalOf(ctx, request),
          request.params.conversationId,
          request.params.inviteId,
          { ip: request.ip },
        );
        return reply.status(204).send(null);
      },
    );
    app.post(
      "/invites/:code/join",
      {
        schema: {
          ...base,
          summary: "Join the group of an invite (if the messaging policy lets its creator add you)",
          description:
            "Refused with INVITE_EXPIRED, INVITE_REVOKED or INVITE_USED_UP (410) when the invite no longer works, INVITE_NOT_FOUND for an unknown code, FORBIDDEN when the policy does not let you join. Joining when you are already a member changes nothing (`joined: false`).",
          params: InviteCodeParams,
          response: { 200: JoinInviteResult, ...errors, 410: ErrorResponse },
        },
      },
      async (request) =>
        joinViaInvite(ctx, await principalOf(ctx, request), request.params.code, { ip: request.ip }),
    );
  };
}
