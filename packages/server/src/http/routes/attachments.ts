import multipart from "@fastify/multipart";
import { AttachmentLink, AttachmentParams, ConversationParams, UploadResult } from "@hallway/protocol";
import {
  type FastifyPluginAsyncZod,
  jsonSchemaTransform,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import { attachmentLink } from "../../services/attachments/attachment-link.ts";
import { uploadAttachment } from "../../services/attachments/upload-attachment.ts";
import type { ServiceContext } from "../../services/context.ts";
import { multipartUpload, registerTruncatedUploadAnswer } from "../multipart-upload.ts";
import { authenticateFirst, principalOf } from "../principal.ts";
import { publicBaseUrl } from "../public-url.ts";
import { AUTHED_ERRORS, ErrorResponse, SECURITY } from "../schemas.ts";

/** The upload body as the OpenAPI document shows it (the route reads it as a stream, not through a schema). */
const MULTIPART_BODY = {
  type: "object",
  required: ["file"],
  properties: {
    file: {
      type: "string",
      format: "binary",
      description: "The file, with its name in the part's `filename`. Its type is read from its bytes.",
    },
  },
};

const UPLOAD_PATH = "/conversations/:conversationId/attachments";

export function attachmentRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    registerTruncatedUploadAnswer(
      app,
      (request) => request.method === "POST" && request.routeOptions.url?.endsWith(UPLOAD_PATH) === true,
    );
    app.addHook("onRequest", authenticateFirst(ctx));
    const base = { tags: ["attachments"], security: SECURITY };

    // Uploads: multipart bodies only, read as a stream by the handler (nothing is buffered).
    await app.register(async (scope) => {
      const uploads = scope.withTypeProvider<ZodTypeProvider>();
      uploads.removeAllContentTypeParsers();
      await uploads.register(multipart);
      uploads.post(
        UPLOAD_PATH,
        {
          schema: {
            ...base,
            summary:
              "Upload a file (multipart/form-data, one part named `file`) for the next message you send here (`attachmentIds`)",
            description:
              "Members who may post (or reply) here may upload. The type comes from the content; images get their size and a preview, audio its duration. Limits: `UPLOAD_MAX_FILE_BYTES` per file, `UPLOAD_DAILY_BYTES_PER_USER` per 24 hours. An upload not sent within a day is removed.",
            consumes: ["multipart/form-data"],
            params: ConversationParams,
            response: {
              201: UploadResult,
              ...AUTHED_ERRORS,
              413: ErrorResponse,
              415: ErrorResponse,
              429: ErrorResponse,
            },
          },
          config: {
            swaggerTransform: (document) => {
              const transformed = jsonSchemaTransform(document);
              return { ...transformed, schema: { ...transformed.schema, body: MULTIPART_BODY } };
            },
          },
        },
        async (request, reply) => {
          const principal = await principalOf(ctx, request);
          const source = multipartUpload(request, ctx.config.UPLOAD_MAX_FILE_BYTES);
          try {
            const result = await uploadAttachment(ctx, principal, request.params.conversationId, source);
            return reply.status(201).send(result);
          } catch (error) {
            // The rest of a refused body is not worth reading.
            reply.header("connection", "close");
            throw error;
          } finally {
            source.release();
          }
        },
      );
    });

    app.get(
      "/conversations/:conversationId/attachments/:attachmentId/link",
      {
        schema: {
          ...base,
          summary:
            "Short-lived signed links to an attachment's bytes and preview (members; an unsent upload: its uploader)",
          params: AttachmentParams,
          response: { 200: AttachmentLink, ...AUTHED_ERRORS },
        },
      },
      async (request) =>
        attachmentLink(
          ctx,
          await principalOf(ctx, request),
          request.params.conversationId,
          request.params.attachmentId,
          publicBaseUrl(ctx.config, request),
        ),
    );
  };
}
