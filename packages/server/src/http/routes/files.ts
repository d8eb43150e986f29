import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { openDownload } from "../../services/attachments/open-download.ts";
import type { ServiceContext } from "../../services/context.ts";

/**
 * Downloads through signed links: `GET /files/{attachmentId}/{original|thumbnail}?exp=…&sig=…`,
 * as `GET /api/v1/conversations/{id}/attachments/{attachmentId}/link` hands them out. No bearer
 * token: the signature is the permission, so a browser can use the URL in `<img>`, `<audio>` or a
 * download link. Left out of the OpenAPI document (it is not part of the bearer API);
 * docs/attachments.md describes it. Every part of a link is checked by its signature, so a
 * malformed one is LINK_INVALID like a forged one.
 */
export function fileRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/files/:attachmentId/:variant",
      {
        schema: {
          hide: true,
          params: z.object({ attachmentId: z.string(), variant: z.string() }),
          querystring: z.object({ exp: z.unknown().optional(), sig: z.unknown().optional() }),
        },
      },
      async (request, reply) => {
        const download = await openDownload(
          ctx,
          { ...request.params, exp: single(request.query.exp), sig: single(request.query.sig) },
          request.headers.range,
        );
        reply
          .header("content-type", download.contentType)
          .header("content-disposition", download.contentDisposition)
          .header("x-content-type-options", "nosniff")
          .header("cache-control", `private, max-age=${download.maxAgeSeconds}`)
          .header("accept-ranges", "bytes");
        const { range, size } = download;
        if (range) {
          reply
            .status(206)
            .header("content-range", `bytes ${range.start}-${range.end}/${size}`)
            .header("content-length", String(range.end - range.start + 1));
        } else reply.status(200).header("content-length", String(size));
        return reply.send(download.body);
      },
    );
  };
}

/** A query parameter given twice arrives as an array: no link of ours has that. */
function single(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
