import type { Attachment, ConversationExport, ForwardedFrom, UserAccount } from "@hallway/protocol";
import { sql } from "kysely";
import { notFound } from "../../errors.ts";
import { toUserAccount } from "../../postgres/rows.ts";
import { AUDIT_COLUMNS, type AuditRow, toAuditEntry } from "../audit/query-audit.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { requireAdminForConversation } from "./admin-access.ts";

/**
 * Everything Hallway holds about one conversation, for a lawful request: the conversation,
 * everyone who has been a member (with when they joined and left), every stored message with
 * the text of deleted ones (marked deleted, with who deleted it), and the audit entries about
 * it: those that target it or one of its messages, or name it as `details.conversationId`. Admins only. Read in one repeatable-read transaction, so the parts agree;
 * the export itself is audited (`conversation.exported`) before it is read, and so appears in it.
 */
export async function exportConversation(
  ctx: ServiceContext,
  principal: Principal,
  conversationId: string,
  meta: { ip?: string } = {},
): Promise<ConversationExport> {
  const me = await requireAdminForConversation(ctx, principal, conversationId);
  await recordAudit(ctx.db, principal, {
    action: "conversation.exported",
    targetType: "conversation",
    targetId: conversationId,
    ip: meta.ip,
  });
  return ctx.db
    .transaction()
    .setIsolationLevel("repeatable read")
    .execute(async (trx) => {
      const conversation = await trx
        .selectFrom("conversations")
        .selectAll()
        .where("id", "=", conversationId)
        .executeTakeFirst();
      if (!conversation) throw notFound.conversation();
      const members = await trx
        .selectFrom("members")
        .innerJoin("users", "users.id", "members.user_id")
        .selectAll("users")
        .select(["members.role as member_role", "members.joined_at", "members.left_at"])
        .where("members.conversation_id", "=", conversationId)
        .orderBy("members.joined_at")
        .orderBy("users.id")
        .execute();
      const messages = await trx
        .selectFrom("messages")
        .selectAll()
        .where("conversation_id", "=", conversationId)
        .orderBy("seq")
        .execute();
      const edits = await trx
        .selectFrom("message_edits")
        .innerJoin("messages", "messages.id", "message_edits.message_id")
        .select(["message_edits.message_id", "previous_body", "editor_id", "message_edits.edited_at"])
        .where("messages.conversation_id", "=", conversationId)
        .orderBy("message_edits.id")
        .execute();
      const editsOf = new Map<string, { previousText: string; editorId: string; editedAt: string }[]>();
      for (const e of edits) {
        const list = editsOf.get(e.message_id) ?? [];
        list.push({
          previousText: e.previous_body,
          editorId: e.editor_id,
          editedAt: e.edited_at.toISOString(),
        });
        editsOf.set(e.message_id, list);
      }
      const { rows: audit } = await sql<AuditRow>`
        SELECT ${AUDIT_COLUMNS} FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
        WHERE (a.target_type = 'conversation' AND a.target_id = ${conversationId})
           OR (a.details ? 'conversationId' AND a.details->>'conversationId' = ${conversationId})
           OR (a.target_type = 'message' AND a.target_id IN (
                SELECT id::text FROM messages WHERE conversation_id = ${conversationId}))
        ORDER BY a.at, a.id`.execute(trx);

      const memberIds = new Set(members.map((m) => m.id));
      const others = new Set<string>();
      const mention = (id: string | null | undefined) => {
        if (id && !memberIds.has(id)) others.add(id);
      };
      mention(conversation.created_by);
      for (const m of messages) {
        mention(m.sender_id);
        mention(m.removed_by);
      }
      for (const a of audit) mention(a.actor_id);
      const people: UserAccount[] =
        others.size === 0
          ? []
          : (
              await trx
                .selectFrom("users")
                .selectAll()
                .where("id", "in", [...others])
                .orderBy("id")
                .execute()
            ).map(toUserAccount);

      return {
        format: "hallway.conversation-export.v1" as const,
        exportedAt: new Date().toISOString(),
        exportedBy: me.userId,
        conversation: {
          id: conversation.id,
          kind: conversation.kind as ConversationExport["conversation"]["kind"],
          name: conversation.name,
          createdBy: conversation.created_by,
          createdAt: conversation.created_at.toISOString(),
          sectionId: conversation.section_id,
          legalHold: conversation.legal_hold,
          lastSeq: Number(conversation.last_seq),
        },
        members: members.map((m) => ({
          user: toUserAccount(m),
          role: m.member_role,
          joinedAt: m.joined_at.toISOString(),
          leftAt: m.left_at?.toISOString() ?? null,
        })),
        people,
        messages: messages.map((m) => ({
          id: m.id,
          seq: Number(m.seq),
          senderId: m.sender_id,
          kind: m.kind,
          text: m.body,
          system: m.system ?? null,
          clientId: m.client_id,
          createdAt: m.created_at.toISOString(),
          editedAt: m.edited_at?.toISOString() ?? null,
          deleted: m.deleted_at !== null,
          deletedAt: m.deleted_at?.toISOString() ?? null,
          deletedBy: m.deleted_at ? (m.removed_by ?? m.sender_id) : null,
          flagged: m.flagged,
          parentId: m.parent_id,
          mentions: m.mentions,
          mentionsEveryone: m.mentions_everyone,
          attachments: m.attachments as Attachment[],
          forwardedFrom: (m.forwarded_from as ForwardedFrom | null) ?? null,
          pinnedAt: m.pinned_at?.toISOString() ?? null,
          edits: editsOf.get(m.id) ?? [],
        })),
        audit: audit.map(toAuditEntry),
      };
    });
}
