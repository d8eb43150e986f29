import { existsSync, readdirSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { notFoundHandler } from "../../server/src/http/error-handler.ts";
import { registerWebApp, WEB_APP_DIR } from "../../server/src/http/web-app.ts";
import { Api } from "../../server/test/api.ts";
import { startTestServer, type TestServer } from "../../server/test/harness.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

const page = (url: string, accept = "text/html,application/xhtml+xml") =>
  fetch(server.url + url, { headers: { accept } });

/** A GET with the path sent exactly as written (fetch would normalise it). */
function rawGet(rawPath: string, accept: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const request = http.get({ hostname, port, path: rawPath, headers: { accept } }, (response) => {
      let body = "";
      response.on("data", (chunk) => {
        body += chunk;
      });
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on("error", reject);
  });
}

describe("the server serves the web app", () => {
  it("at / with a content security policy that allows only this server", async () => {
    const res = await page("/", "*/*");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(await res.text()).toContain('<div id="root">');
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`ws://${new URL(server.url).host}`);
  });

  it("gives index.html to any other page a browser asks for (the app routes itself)", async () => {
    const res = await page("/some/deep/link");
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<div id="root">');
  });

  it("serves the hashed assets with a long cache", async () => {
    const asset = readdirSync(path.join(WEB_APP_DIR, "assets")).find((f) => f.endsWith(".js"))!;
    const res = await fetch(`${server.url}/assets/${asset}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toContain("immutable");
  });

  it("serves the app's other files, and nothing outside its folder", async () => {
    expect((await page("/favicon.svg", "image/*")).status).toBe(200);
    for (const raw of [
      "/..%2F..%2Fpackage.json",
      "/%2e%2e/%2e%2e/package.json",
      "/assets/..%2F..%2F..%2Fpackage.json",
    ]) {
      const res = await rawGet(raw, "application/json");
      expect(res.status, raw).toBe(404);
      expect(res.body, raw).not.toContain('"workspaces"');
    }
  });

  it("leaves the API's 404 alone, even for a browser", async () => {
    for (const url of ["/api/v1/nowhere", "/api/nowhere", "/healthz/x"]) {
      const res = await page(url);
      expect(res.status, url).toBe(404);
      expect(((await res.json()) as any).error.code, url).toBe("ROUTE_NOT_FOUND");
    }
  });

  it("answers a non-browser request for an unknown path with the JSON 404", async () => {
    const res = await page("/no-such-thing", "application/json");
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error.code).toBe("ROUTE_NOT_FOUND");
    const post = await fetch(`${server.url}/no-such-thing`, {
      method: "POST",
      headers: { accept: "text/html" },
    });
    expect(post.status).toBe(404);
  });

  it("still serves the API, the docs and the probes", async () => {
    expect((await page("/healthz")).status).toBe(200);
    expect((await page("/docs/json", "application/json")).status).toBe(200);
    expect((await page("/api/v1/me", "application/json")).status).toBe(401);
  });
});

describe("for browsers", () => {
  // Regression: the gateway sent its JSON as binary frames, which browsers deliver as Blobs the
  // SDK could not read, so the web app never got past "Connecting…".
  it("the WebSocket gateway sends text frames", async () => {
    const { accessToken } = (await new Api(server.url).signInAdmin()).session;
    const socket = new WebSocket(`${server.url.replace("http", "ws")}/ws?v=1&token=${accessToken}`);
    const [data, isBinary] = await new Promise<[unknown, boolean]>((resolve, reject) => {
      socket.once("message", (message, binary) => resolve([message, binary]));
      socket.once("error", reject);
    });
    socket.close();
    expect(isBinary).toBe(false);
    expect(JSON.parse(String(data)).ev).toBe("session.ready");
  });
});

describe("without a build", () => {
  it("starts, and / says how to build the app", async () => {
    const missing = path.join(WEB_APP_DIR, "..", "no-such-dist");
    expect(existsSync(missing)).toBe(false);
    const app = Fastify();
    app.setNotFoundHandler(notFoundHandler);
    await registerWebApp(app, missing);
    const home = await app.inject({ method: "GET", url: "/" });
    expect(home.statusCode).toBe(503);
    expect(home.body).toContain("npm run build -w @hallway/web");
    const api = await app.inject({ method: "GET", url: "/api/v1/x", headers: { accept: "text/html" } });
    expect(api.json().error.code).toBe("ROUTE_NOT_FOUND");
    await app.close();
  });
});
