import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/** Where `npm install` builds the web app (packages/web, built by its `build` script). */
export const WEB_APP_DIR = fileURLToPath(new URL("../../../web/dist", import.meta.url));

/** Paths that belong to the server: the web app never answers them, so they keep their JSON 404. */
const SERVER_PATHS = /^\/(api|ws|docs|files|healthz|readyz|metrics)(\/|$)/;

/** Hashed file names never change content: cache them for a year. Everything else is revalidated. */
const IMMUTABLE = "public, max-age=31536000, immutable";

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Hallway</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem">
<h1>Hallway is running, but its web app is not built</h1>
<p>The server found no <code>packages/web/dist</code>. <code>npm install</code> builds it; to build it by hand, run</p>
<pre>npm run build -w @hallway/web</pre>
<p>then reload this page. The REST API is at <code>/api/v1</code> (documented at <a href="/docs">/docs</a>) and the WebSocket at <code>/ws</code>.</p>
</body></html>
`;

/**
 * The page's content security policy: scripts, styles and connections only from this server
 * (the WebSocket included), pictures also from https (avatars), no framing.
 */
function contentSecurityPolicy(request: FastifyRequest): string {
  const host = /^[A-Za-z0-9.:[\]-]+$/.test(request.headers.host ?? "") ? request.headers.host : null;
  const sockets = host ? ` ws://${host} wss://${host}` : "";
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: https:",
    `connect-src 'self'${sockets}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

function acceptsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? "").includes("text/html");
}

/** The built file a URL path names, relative to the root, if there is one (never outside it). */
function builtFile(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const file = path.resolve(root, `.${path.posix.normalize(decoded)}`);
  if (!file.startsWith(root + path.sep)) return null;
  try {
    return statSync(file).isFile() ? path.relative(root, file) : null;
  } catch {
    return null;
  }
}

/**
 * Serves the web app: its files from packages/web/dist, and index.html for `/` and for any
 * other GET that asks for a page (the app routes in the browser). API paths and requests that
 * do not accept HTML get the usual JSON 404. Files are looked up per request, so a rebuild is
 * served without a restart; without a build, `/` says how to make one.
 */
export async function registerWebApp(app: FastifyInstance, root: string = WEB_APP_DIR): Promise<void> {
  const index = path.join(root, "index.html");
  if (!existsSync(index))
    app.log.warn(`The web app is not built (no ${index}): run \`npm run build -w @hallway/web\`.`);
  await app.register(fastifyStatic, {
    root,
    serve: false,
    index: false,
    suppressWarning: true,
    setHeaders(reply, filePath) {
      const hashed = filePath.includes(`${path.sep}assets${path.sep}`);
      reply.header("cache-control", hashed ? IMMUTABLE : "no-cache");
    },
  });

  const serve = async (request: FastifyRequest, reply: FastifyReply) => {
    const urlPath = request.url.split("?")[0]!;
    if (SERVER_PATHS.test(urlPath)) return reply.callNotFound();
    const file = builtFile(root, urlPath);
    if (file && file !== "index.html") return reply.sendFile(file);
    if (urlPath !== "/" && !acceptsHtml(request)) return reply.callNotFound();
    reply
      .header("content-security-policy", contentSecurityPolicy(request))
      .header("cache-control", "no-cache");
    if (!existsSync(index)) return reply.status(503).type("text/html; charset=utf-8").send(NOT_BUILT);
    return reply.type("text/html; charset=utf-8").sendFile("index.html");
  };
  app.get("/", { schema: { hide: true } }, serve);
  app.get("/*", { schema: { hide: true } }, serve);
}
