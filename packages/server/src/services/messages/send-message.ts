import type { Message } from "@hallway/protocol";
import { requireUser } from "../authorize.ts";
import type { Principal, ServiceContext } from "../context.ts";

/**
 * Sends a text message through the batched writer. Idempotent by the client id: a retry
 * returns the first result with `duplicate: true`. Resolves after commit.
 */
export async function sendMessage(
  ctx: ServiceContext,
  principal: Principal,
  input: { conversationId: string; clientId: string; text: string },
): Promise<{ message: Message; duplicate: boolean }> {
  const me = requireUser(principal);
  const outcome = await ctx.writer.send({ ...input, senderId: me.userId });
  if (!outcome.ok) throw outcome.error;
  return { message: outcome.message, duplicate: outcome.duplicate };
}
