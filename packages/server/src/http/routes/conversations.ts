import {
  AddMembersBody,
  ConversationList,
  ConversationParams,
  ConversationSummary,
  CreateGroupBody,
  ListConversationsQuery,
  MemberListQuery,
  MemberPage,
  MemberParams,
  OpenDirectBody,
  SetMemberRoleBody,
  UpdateMySettingsBody,
} from "@hallway/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ServiceContext } from "../../services/context.ts";
import { createGroup } from "../../services/conversations/create-group.ts";
import { getConversation, listConversations } from "../../services/conversations/get-conversations.ts";
import { listMembers } from "../../services/conversations/list-members.ts";
import {
  addMembers,
  leaveConversation,
  removeMember,
  setMemberRole,
} from "../../services/conversations/manage-members.ts";
import { updateMySettings } from "../../services/conversations/my-settings.ts";
import { openDirect } from "../../services/conversations/open-direct.ts";
import { authenticateFirst, principalOf } from "../principal.ts";
import { AUTHED_ERRORS, ErrorResponse, SECURITY } from "../schemas.ts";

export function conversationRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", authenticateFirst(ctx));
    const base = { tags: ["conversations"], security: SECURITY };
    const errors = { ...AUTHED_ERRORS, 409: ErrorResponse };

    app.get(
      "/conversations",
      {
        schema: {
          ...base,
          summary: "My conversations, with last message and unread counts",
          querystring: ListConversationsQuery,
          response: { 200: ConversationList, ...errors },
        },
      },
      async (request) => listConversations(ctx, await principalOf(ctx, request), request.query.archived),
    );
    app.post(
      "/conversations/direct",
      {
        schema: {
          ...base,
          summary:
            "Open the direct conversation with a user (one per pair: 201 when created, 200 when it existed)",
          body: OpenDirectBody,
          response: { 200: ConversationSummary, 201: ConversationSummary, ...errors },
        },
      },
      async (request, reply) => {
        const { conversation, created } = await openDirect(
          ctx,
          await principalOf(ctx, request),
          request.body.userId,
        );
        return reply.status(created ? 201 : 200).send(conversation);
      },
    );
    app.post(
      "/conversations",
      {
        schema: {
          ...base,
          summary: "Create a group; you become its admin",
          body: CreateGroupBody,
          response: { 201: ConversationSummary, ...errors },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await createGroup(ctx, await principalOf(ctx, request), request.body)),
    );
    app.get(
      "/conversations/:conversationId",
      {
        schema: {
          ...base,
          summary: "One of my conversations",
          params: ConversationParams,
          response: { 200: ConversationSummary, ...errors },
        },
      },
      async (request) => getConversation(ctx, await principalOf(ctx, request), request.params.conversationId),
    );
    app.patch(
      "/conversations/:conversationId/settings",
      {
        schema: {
          ...base,
          summary: "Mute, archive or pin for myself",
          params: ConversationParams,
          body: UpdateMySettingsBody,
          response: { 200: ConversationSummary, ...errors },
        },
      },
      async (request) =>
        updateMySettings(ctx, await principalOf(ctx, request), request.params.conversationId, request.body),
    );
    app.get(
      "/conversations/:conversationId/members",
      {
        schema: {
          ...base,
          summary: "Current members, a page at a time",
          params: ConversationParams,
          querystring: MemberListQuery,
          response: { 200: MemberPage, ...errors },
        },
      },
      async (request) =>
        listMembers(ctx, await principalOf(ctx, request), request.params.conversationId, request.query),
    );
    app.post(
      "/conversations/:conversationId/members",
      {
        schema: {
          ...base,
          summary: "Add members to a group (group admins)",
          params: ConversationParams,
          body: AddMembersBody,
          response: { 200: z.object({ added: z.array(z.uuid()) }), ...errors },
        },
      },
      async (request) => ({
        added: await addMembers(
          ctx,
          await principalOf(ctx, request),
          request.params.conversationId,
          request.body.userIds,
        ),
      }),
    );
    app.delete(
      "/conversations/:conversationId/members/:userId",
      {
        schema: {
          ...base,
          summary: "Remove a member from a group (group admins; your own id leaves)",
          params: MemberParams,
          response: { 204: z.null(), ...errors },
        },
      },
      async (request, reply) => {
        await removeMember(
          ctx,
          await principalOf(ctx, request),
          request.params.conversationId,
          request.params.userId,
        );
        return reply.status(204).send(null);
      },
    );
    app.put(
      "/conversations/:conversationId/members/:userId/role",
      {
        schema: {
          ...base,
          summary: "Promote to admin or demote to member (group admins)",
          params: MemberParams,
          body: SetMemberRoleBody,
          response: { 204: z.null(), ...errors },
        },
      },
      async (request, reply) => {
        await setMemberRole(
          ctx,
          await principalOf(ctx, request),
          request.params.conversationId,
          request.params.userId,
          request.body.role,
        );
        return reply.status(204).send(null);
      },
    );
    app.post(
      "/conversations/:conversationId/leave",
      {
        schema: {
          ...base,
          summary: "Leave a group",
          params: ConversationParams,
          response: { 204: z.null(), ...errors },
        },
      },
      async (request, reply) => {
        await leaveConversation(ctx, await principalOf(ctx, request), request.params.conversationId);
        return reply.status(204).send(null);
      },
    );
  };
}
