import type { ForwardedFrom, Message } from "@hallway/protocol";
import { canMentionEveryone, canPost, canReply, checkSlowMode } from "../../domain/policy/index.ts";
import { HallwayError } from "../../errors.ts";
import { messageKindOf, sendableAttachments } from "../attachments/sendable-attachments.ts";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext, UserPrincipal } from "../context.ts";
import { screenMessage } from "../moderation/screen-message.ts";
import { reopenSupportIfResolved } from "../support/reopen-support.ts";
import { requireThreadParent, resolveMentions } from "./message-content.ts";
import { SendOrder } from "./send-order.ts";

/** What a send carries (REST body or `message.send` data). */
export interface SendInput {
  conversationId: string;
  clientId: string;
  text?: string;
  attachmentIds?: string[];
  parentId?: string;
  /** Set by forwarding (never by a client directly). */
  forwardedFrom?: ForwardedFrom;
}

const orders = new WeakMap<ServiceContext, SendOrder>();

/**
 * Sends a message (text, the sender's uploads, or both; optionally a thread reply) through the
 * batched writer, after the policy agrees (who may post or reply here, moderation mutes, slow
 * mode, @everyone), within the per-user send limit, and through the school's word filter
 * (reject, mask, flag). Mentions are resolved among the members. Idempotent by the client id:
 * a retry returns the first result with `duplicate: true`. Resolves after commit.
 */
export async function sendMessage(
  ctx: ServiceContext,
  principal: Principal,
  input: SendInput,
): Promise<{ message: Message; duplicate: boolean }> {
  const me = requireUser(principal);
  let order = orders.get(ctx);
  if (!order) {
    order = new SendOrder();
    orders.set(ctx, order);
  }
  const next = await order.enter(`${me.userId}|${input.conversationId}`);
  try {
    return await checkAndWrite(ctx, me, input, next);
  } finally {
    next();
  }
}

async function checkAndWrite(
  ctx: ServiceContext,
  me: UserPrincipal,
  input: SendInput,
  queued: () => void,
): Promise<{ message: Message; duplicate: boolean }> {
  const { facts, membership } = await ctx.policy.conversation(input.conversationId, me.userId);
  const actor = await ctx.policy.person(me.userId);
  const reply = input.parentId !== undefined;
  ctx.policy.require((reply ? canReply : canPost)(ctx.policy.rules, actor, facts, membership), {
    actorId: me.userId,
    action: reply ? "message.reply" : "message.post",
    targetType: "conversation",
    targetId: input.conversationId,
  });
  if (input.parentId !== undefined) await requireThreadParent(ctx.db, input.conversationId, input.parentId);
  const attachments = await sendableAttachments(
    ctx.db,
    { conversationId: input.conversationId, senderId: me.userId, clientId: input.clientId },
    input.attachmentIds ?? [],
  );
  const now = Date.now();
  if (facts.slowModeSeconds > 0) {
    const last = ctx.policy.lastPostedAt(input.conversationId, me.userId, input.clientId);
    ctx.policy.require(checkSlowMode(ctx.policy.rules, actor, facts, last, now));
  }
  const wait = ctx.moderation.sendLimit.take(me.userId, now);
  if (wait !== null)
    throw new HallwayError(
      "RATE_LIMITED",
      `You are sending messages too fast: wait ${wait} second${wait === 1 ? "" : "s"}.`,
      { retryAfterSeconds: wait },
    );
  // Held from here, so sends made at the same moment cannot all pass slow mode.
  const slot = ctx.policy.posted(input.conversationId, me.userId, now, input.clientId);
  try {
    const { text, flagReason } =
      input.text === undefined
        ? { text: "", flagReason: null }
        : await screenMessage(ctx, me, input.conversationId, input.text);
    const mentioned = await resolveMentions(ctx.db, input.conversationId, text, () =>
      canMentionEveryone(ctx.policy.rules, actor, facts, membership),
    );
    const written = ctx.writer.send({
      conversationId: input.conversationId,
      clientId: input.clientId,
      senderId: me.userId,
      text,
      flagReason,
      kind: messageKindOf(attachments),
      attachments,
      parentId: input.parentId ?? null,
      forwardedFrom: input.forwardedFrom ?? null,
      ...mentioned,
    });
    queued();
    const outcome = await written;
    if (!outcome.ok) throw outcome.error;
    // A retry that found its first send keeps that send's slow-mode time.
    if (outcome.duplicate) slot.undo();
    // The asker writing again in a resolved support conversation opens it again.
    if (facts.kind === "support" && facts.requesterId === me.userId && !outcome.duplicate)
      await reopenSupportIfResolved(ctx, input.conversationId, me.userId);
    return { message: outcome.message, duplicate: outcome.duplicate };
  } catch (error) {
    slot.undo();
    throw error;
  }
}
