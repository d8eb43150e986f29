import { ERROR_CATALOGUE, type ErrorBody, type ErrorCode } from "@hallway/protocol";

/**
 * An error meant for the caller: a code from the protocol's catalogue and a message that is
 * safe to show. Anything else thrown becomes INTERNAL, logged, with nothing internal sent.
 */
export class HallwayError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string = ERROR_CATALOGUE[code].description,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "HallwayError";
  }

  get status(): number {
    return ERROR_CATALOGUE[this.code].status;
  }

  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

export const notFound = {
  conversation: () =>
    new HallwayError("CONVERSATION_NOT_FOUND", "No such conversation, or you are not a member of it."),
  user: () => new HallwayError("USER_NOT_FOUND", "No such user."),
  message: () => new HallwayError("MESSAGE_NOT_FOUND", "No such message in this conversation."),
  member: () => new HallwayError("MEMBER_NOT_FOUND", "That user is not a member of this conversation."),
  attachment: () => new HallwayError("ATTACHMENT_NOT_FOUND", "No such attachment in this conversation."),
};
