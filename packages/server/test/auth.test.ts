import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Session, UserAccount } from "@hallway/protocol";
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT, UnsecuredJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectStatus } from "./api.ts";
import {
  expectError,
  expectStatusOf,
  nextLoopbackAddress,
  postTrusted,
  rawRequest,
  SERVICE_TOKEN,
  signInTrusted,
  TRUSTED_SECRET,
  trustedToken,
} from "./fixtures.ts";
import { ADMIN_PASSWORD, startTestServer, type TestServer } from "./harness.ts";

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

/** Password sign-in from a rotating loopback address (sign-in is rate limited per IP). */
function postSignIn(server: TestServer, username: unknown, password: unknown) {
  return rawRequest(server.url, {
    method: "POST",
    path: "/api/v1/auth/sign-in",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
    localAddress: nextLoopbackAddress(),
  });
}

async function signIn(server: TestServer, username: string, password: string) {
  const session = expectStatusOf<Session>(await postSignIn(server, username, password), 200);
  return { session, api: new Api(server.url, session.accessToken) };
}

describe("Hallway accounts with a password", () => {
  let server: TestServer;
  let admin: Api;
  let grace: UserAccount;
  const GRACE_PASSWORD = "cobol-is-forever-1959";

  beforeAll(async () => {
    server = await startTestServer();
    ({ api: admin } = await signIn(server, "admin", ADMIN_PASSWORD));
    grace = expectStatus<UserAccount>(
      await admin.post("/api/v1/users", {
        username: "ghopper",
        password: GRACE_PASSWORD,
        displayName: "Grace Hopper",
        role: "teacher",
        email: "Grace.Hopper@School.example",
      }),
      201,
    );
  });
  afterAll(() => server.close());

  it("an admin creates a local account, which signs in and lands in the school-wide group", async () => {
    expect(grace).toMatchObject({
      username: "ghopper",
      displayName: "Grace Hopper",
      role: "teacher",
      email: "Grace.Hopper@School.example",
      externalId: null,
      active: true,
    });
    const { session, api } = await signIn(server, "ghopper", GRACE_PASSWORD);
    expect(session.user.id).toBe(grace.id);
    expect(session.accessToken).not.toBe(session.refreshToken);
    expect(Date.parse(session.refreshTokenExpiresAt)).toBeGreaterThan(
      Date.parse(session.accessTokenExpiresAt),
    );
    expect(expectStatus(await api.get("/api/v1/me"), 200)).toEqual(grace);
    const list = expectStatus(await api.get("/api/v1/conversations"), 200);
    expect(list.conversations.map((c: { kind: string }) => c.kind)).toEqual(["primary"]);
  });

  it("signs in by username or by email, whatever their case", async () => {
    for (const login of [
      "ghopper",
      "GHopper",
      "grace.hopper@school.example",
      "GRACE.HOPPER@SCHOOL.EXAMPLE",
    ]) {
      const { session } = await signIn(server, login, GRACE_PASSWORD);
      expect(session.user.id, login).toBe(grace.id);
    }
  });

  it("a wrong password and an unknown user get the same answer", async () => {
    const wrongPassword = await postSignIn(server, "ghopper", "not-her-password");
    const unknownUser = await postSignIn(server, "nobody-here", GRACE_PASSWORD);
    const unknownEmail = await postSignIn(server, "nobody@school.example", GRACE_PASSWORD);
    expectError(wrongPassword, 401, "INVALID_CREDENTIALS");
    expect(unknownUser.body).toEqual(wrongPassword.body);
    expect(unknownEmail.body).toEqual(wrongPassword.body);
    // The password is case-sensitive.
    expectError(
      await postSignIn(server, "ghopper", GRACE_PASSWORD.toUpperCase()),
      401,
      "INVALID_CREDENTIALS",
    );
  });

  it("refreshing rotates the pair: the old refresh and access tokens stop working", async () => {
    const first = await signIn(server, "ghopper", GRACE_PASSWORD);
    const res = await rawRequest(server.url, {
      method: "POST",
      path: "/api/v1/auth/refresh",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refreshToken: first.session.refreshToken }),
    });
    const second = expectStatusOf<Session>(res, 200);
    expect(second.user.id).toBe(grace.id);
    expect(second.accessToken).not.toBe(first.session.accessToken);
    expect(second.refreshToken).not.toBe(first.session.refreshToken);

    expect(expectStatus(await admin.as(second.accessToken).get("/api/v1/me"), 200).id).toBe(grace.id);
    expectError(await admin.as(first.session.accessToken).get("/api/v1/me"), 401, "SESSION_REVOKED");
    expectError(
      await admin.as(undefined).post("/api/v1/auth/refresh", { refreshToken: first.session.refreshToken }),
      401,
      "SESSION_REVOKED",
    );
    // The new refresh token still works once.
    expectStatus(
      await admin.as(undefined).post("/api/v1/auth/refresh", { refreshToken: second.refreshToken }),
      200,
    );
  });

  it("two tabs refreshing with the same token at once: one wins, the other is refused", async () => {
    const { session } = await signIn(server, "ghopper", GRACE_PASSWORD);
    const anon = admin.as(undefined);
    const results = await Promise.all(
      [1, 2, 3].map(() => anon.post("/api/v1/auth/refresh", { refreshToken: session.refreshToken })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 401, 401]);
    for (const r of results.filter((r) => r.status === 401)) expectError(r, 401, "SESSION_REVOKED");
  });

  it("signing out ends that session only", async () => {
    const phone = await signIn(server, "ghopper", GRACE_PASSWORD);
    const laptop = await signIn(server, "ghopper", GRACE_PASSWORD);
    const out = await phone.api.post("/api/v1/auth/sign-out");
    expect(out.status).toBe(204);
    expectError(await phone.api.get("/api/v1/me"), 401, "SESSION_REVOKED");
    expectError(
      await admin.as(undefined).post("/api/v1/auth/refresh", { refreshToken: phone.session.refreshToken }),
      401,
      "SESSION_REVOKED",
    );
    // Signing out twice does not crash: the session is already over.
    expectError(await phone.api.post("/api/v1/auth/sign-out"), 401, "SESSION_REVOKED");
    expectStatus(await laptop.api.get("/api/v1/me"), 200);
  });

  it("tells tokens apart: a refresh token is not an access token and vice versa", async () => {
    const { session } = await signIn(server, "ghopper", GRACE_PASSWORD);
    expectError(await admin.as(session.refreshToken).get("/api/v1/me"), 401, "UNAUTHENTICATED");
    expectError(
      await admin.as(undefined).post("/api/v1/auth/refresh", { refreshToken: session.accessToken }),
      401,
      "UNAUTHENTICATED",
    );
    expectError(await admin.as("hwa_not-a-real-token").get("/api/v1/me"), 401, "UNAUTHENTICATED");
    expectError(await admin.as(undefined).get("/api/v1/me"), 401, "UNAUTHENTICATED");
    expectError(
      await admin.as(undefined).request("GET", "/api/v1/me", undefined, {
        authorization: `Basic ${Buffer.from("ghopper:x").toString("base64")}`,
      }),
      401,
      "UNAUTHENTICATED",
    );
  });

  it("only admins create accounts, and usernames are unique whatever their case", async () => {
    const { api: teacher } = await signIn(server, "ghopper", GRACE_PASSWORD);
    const body = {
      username: "ada",
      password: "analytical-engine",
      displayName: "Ada Lovelace",
      role: "teacher",
    };
    expectError(await teacher.post("/api/v1/users", body), 403, "FORBIDDEN");
    expectError(await admin.post("/api/v1/users", { ...body, username: "GHOPPER" }), 409, "USERNAME_TAKEN");
    expectError(await admin.post("/api/v1/users", { ...body, username: "Admin" }), 409, "USERNAME_TAKEN");
    const unknownRole = await admin.post("/api/v1/users", { ...body, role: "wizard" });
    expectError(unknownRole, 400, "VALIDATION_FAILED");
    expect(unknownRole.body.error.message).toContain("wizard");
    expectError(await admin.post("/api/v1/users", { ...body, password: "short" }), 400, "VALIDATION_FAILED");
    // None of the refused attempts created anyone: "ada" is still free.
    expectStatus(await admin.post("/api/v1/users", body), 201);
    expectError(await admin.post("/api/v1/users", body), 409, "USERNAME_TAKEN");
  });

  it("sign-in with a school-system token is refused when it is not configured", async () => {
    const token = await trustedToken({ sub: "X-1", role: "teacher", name: "X" });
    expectError(await postTrusted(server.url, token), 404, "TRUSTED_SIGNIN_DISABLED");
  });
});

describe("password guessing is rate limited", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const attempt = (username: string, password: string, localAddress: string) =>
    rawRequest(server.url, {
      method: "POST",
      path: "/api/v1/auth/sign-in",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, password }),
      localAddress,
    });

  it("repeated guesses at one account from one address get RATE_LIMITED with retry-after", async () => {
    let attempts = 0;
    let limited: Awaited<ReturnType<typeof attempt>> | undefined;
    while (attempts < 50) {
      const res = await attempt("admin", "guess-guess", "127.0.0.1");
      attempts++;
      if (res.status === 429) {
        limited = res;
        break;
      }
      expectError(res, 401, "INVALID_CREDENTIALS");
    }
    expect(limited, "no RATE_LIMITED after 50 wrong passwords").toBeDefined();
    expect(attempts).toBeGreaterThan(3);
    expectError(limited!, 429, "RATE_LIMITED");
    expect(Number(limited!.headers["retry-after"])).toBeGreaterThan(0);
    // Even the right password waits: the guesser cannot tell it from a wrong one.
    expectError(await attempt("admin", ADMIN_PASSWORD, "127.0.0.1"), 429, "RATE_LIMITED");
    // The admin signing in from elsewhere is not locked out.
    expectStatusOf(await attempt("admin", ADMIN_PASSWORD, "127.0.0.9"), 200);
  });
});

describe("access tokens expire", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ ACCESS_TOKEN_TTL: "1" });
  });
  afterAll(() => server.close());

  it("an expired access token gets TOKEN_EXPIRED, and refreshing brings the user back", async () => {
    const { session, api } = await signIn(server, "admin", ADMIN_PASSWORD);
    expect(Date.parse(session.accessTokenExpiresAt) - Date.now()).toBeLessThanOrEqual(1_000);
    await new Promise((r) => setTimeout(r, 1_200));
    expectError(await api.get("/api/v1/me"), 401, "TOKEN_EXPIRED");
    const fresh = expectStatus<Session>(
      await api.as(undefined).post("/api/v1/auth/refresh", { refreshToken: session.refreshToken }),
      200,
    );
    expect(expectStatus(await api.as(fresh.accessToken).get("/api/v1/me"), 200).username).toBe("admin");
  });
});

describe("sign-in with an HS256 token from the school system", () => {
  const ISSUER = "https://sis.example-school.test";
  const AUDIENCE = "hallway-test";
  let server: TestServer;
  let admin: Api;
  const good = (claims: JWTPayload, options: Parameters<typeof trustedToken>[1] = {}) =>
    trustedToken(claims, { issuer: ISSUER, audience: AUDIENCE, ...options });

  beforeAll(async () => {
    server = await startTestServer({
      HALLWAY_TRUSTED_JWT_SECRET: TRUSTED_SECRET,
      HALLWAY_TRUSTED_ISSUER: ISSUER,
      HALLWAY_TRUSTED_AUDIENCE: AUDIENCE,
      HALLWAY_SERVICE_TOKEN: SERVICE_TOKEN,
    });
    ({ api: admin } = await signIn(server, "admin", ADMIN_PASSWORD));
  });
  afterAll(() => server.close());

  it("a good token creates the user; a later one with a new name updates them", async () => {
    const first = await signInTrusted(
      server.url,
      await good({ sub: "TCH-7", role: "teacher", name: "Maria Lopez", email: "maria@school.example" }),
    );
    expect(first.session.user).toMatchObject({
      externalId: "TCH-7",
      role: "teacher",
      displayName: "Maria Lopez",
      email: "maria@school.example",
      active: true,
    });
    const list = expectStatus(await first.api.get("/api/v1/conversations"), 200);
    expect(list.conversations.map((c: { kind: string }) => c.kind)).toEqual(["primary"]);

    const second = await signInTrusted(
      server.url,
      await good({
        sub: "TCH-7",
        role: "teacher",
        name: "Maria Lopez-Garcia",
        email: "maria@school.example",
      }),
    );
    expect(second.id).toBe(first.id);
    expect(second.session.user.displayName).toBe("Maria Lopez-Garcia");
    expect(expectStatus(await first.api.get(`/api/v1/users/${first.id}`), 200).displayName).toBe(
      "Maria Lopez-Garcia",
    );
    // Both sessions are live: signing in elsewhere does not sign you out here.
    expectStatus(await first.api.get("/api/v1/me"), 200);
  });

  it("a token without the optional claims keeps what the directory says", async () => {
    expectStatus(
      await admin.post("/api/v1/directory/sync", {
        users: [
          {
            externalId: "TCH-8",
            role: "teacher",
            displayName: "Noah Smith",
            username: "mr.smith",
            email: "noah.smith@school.example",
            avatarUrl: "https://cdn.school.example/noah.png",
          },
        ],
      }),
      200,
    );
    const { session } = await signInTrusted(server.url, await good({ sub: "TCH-8" }));
    expect(session.user).toMatchObject({
      externalId: "TCH-8",
      role: "teacher",
      displayName: "Noah Smith",
      username: "mr.smith",
      email: "noah.smith@school.example",
      avatarUrl: "https://cdn.school.example/noah.png",
    });
  });

  it("refuses tokens that are not good, with 401 and a code that says why", async () => {
    const claims = { sub: "TCH-9", role: "teacher", name: "Eve" };
    const cases: [string, string | unknown, "TRUSTED_TOKEN_INVALID" | "TRUSTED_TOKEN_EXPIRED"][] = [
      [
        "wrong secret",
        await good(claims, { secret: "another-school-s-secret-0123456789abcdef" }),
        "TRUSTED_TOKEN_INVALID",
      ],
      [
        "expired",
        await good(claims, { expiresAt: Math.floor(Date.now() / 1000) - 120 }),
        "TRUSTED_TOKEN_EXPIRED",
      ],
      ["no expiry", await good(claims, { expiresAt: null }), "TRUSTED_TOKEN_INVALID"],
      ["wrong issuer", await good(claims, { issuer: "https://evil.example" }), "TRUSTED_TOKEN_INVALID"],
      ["wrong audience", await good(claims, { audience: "another-app" }), "TRUSTED_TOKEN_INVALID"],
      [
        "no issuer or audience",
        await trustedToken(claims, { issuer: undefined, audience: undefined }),
        "TRUSTED_TOKEN_INVALID",
      ],
      ["missing sub", await good({ role: "teacher", name: "Eve" }), "TRUSTED_TOKEN_INVALID"],
      ["unknown role", await good({ ...claims, role: "wizard" }), "TRUSTED_TOKEN_INVALID"],
      ["no role for a new user", await good({ sub: "TCH-10", name: "Eve" }), "TRUSTED_TOKEN_INVALID"],
      ["a sub with spaces", await good({ ...claims, sub: "TCH 9" }), "TRUSTED_TOKEN_INVALID"],
      ["a bad email", await good({ ...claims, email: "not-an-email" }), "TRUSTED_TOKEN_INVALID"],
      [
        "alg none",
        new UnsecuredJWT(claims).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime("10m").encode(),
        "TRUSTED_TOKEN_INVALID",
      ],
      ["HS512 with the right secret", await good(claims, { alg: "HS512" }), "TRUSTED_TOKEN_INVALID"],
      ["garbage", "garbage", "TRUSTED_TOKEN_INVALID"],
      ["three garbage parts", "a.b.c", "TRUSTED_TOKEN_INVALID"],
      ["a JSON null header", `${Buffer.from("null").toString("base64url")}.e30.x`, "TRUSTED_TOKEN_INVALID"],
      ["a Hallway access token", "hwa_abcdefghijklmnopqrstuvwxyz", "TRUSTED_TOKEN_INVALID"],
    ];
    for (const [name, token, code] of cases) {
      const res = await postTrusted(server.url, token);
      expect({ name, status: res.status, code: res.body?.error?.code }).toEqual({ name, status: 401, code });
      expectError(res, 401, code);
    }
    // Nothing was created for the refused tokens.
    const found = expectStatus(await admin.get("/api/v1/users?q=eve"), 200);
    expect(found.users).toEqual([]);
  });

  it("a user the directory deactivates cannot sign in, and their sessions end", async () => {
    const token = await good({ sub: "STU-1", role: "student", name: "Sam Young" });
    const student = await signInTrusted(server.url, token);
    const service = new Api(server.url, SERVICE_TOKEN);
    const result = expectStatus(
      await service.post("/api/v1/directory/sync", {
        users: [{ externalId: "STU-1", role: "student", displayName: "Sam Young", active: false }],
      }),
      200,
    );
    expect(result.users.deactivated).toBe(1);
    expectError(await student.api.get("/api/v1/me"), 401, "SESSION_REVOKED");
    expectError(
      await student.api
        .as(undefined)
        .post("/api/v1/auth/refresh", { refreshToken: student.session.refreshToken }),
      401,
      "SESSION_REVOKED",
    );
    expectError(await postTrusted(server.url, token), 401, "SESSION_REVOKED");
    // The school takes them back: they can sign in again.
    expectStatus(
      await service.post("/api/v1/directory/sync", {
        users: [{ externalId: "STU-1", role: "student", displayName: "Sam Young" }],
      }),
      200,
    );
    const back = await signInTrusted(server.url, token);
    expect(back.id).toBe(student.id);
    expectStatus(await back.api.get("/api/v1/me"), 200);
  });

  it("an RS256 token is refused when no JWKS is configured", async () => {
    const { privateKey } = await generateKeyPair("RS256");
    const token = await new SignJWT({ sub: "TCH-11", role: "teacher", name: "Rita" })
      .setProtectedHeader({ alg: "RS256" })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime("10m")
      .sign(privateKey);
    expectError(await postTrusted(server.url, token), 401, "TRUSTED_TOKEN_INVALID");
  });
});

describe("sign-in with RS256 and ES256 tokens verified through the school system's JWKS", () => {
  let server: TestServer;
  let jwks: http.Server;
  let jwksRequests = 0;
  let rsa: PrivateKey;
  let ec: PrivateKey;

  beforeAll(async () => {
    const rsaPair = await generateKeyPair("RS256");
    const ecPair = await generateKeyPair("ES256");
    rsa = rsaPair.privateKey;
    ec = ecPair.privateKey;
    const keys = [
      { ...(await exportJWK(rsaPair.publicKey)), kid: "rsa-1", alg: "RS256", use: "sig" },
      { ...(await exportJWK(ecPair.publicKey)), kid: "ec-1", alg: "ES256", use: "sig" },
    ];
    jwks = http.createServer((req, res) => {
      jwksRequests++;
      if (req.url !== "/.well-known/jwks.json") return void res.writeHead(404).end();
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
    const { port } = jwks.address() as AddressInfo;
    server = await startTestServer({
      HALLWAY_TRUSTED_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    });
  });
  afterAll(async () => {
    await server.close();
    await new Promise((resolve) => jwks.close(resolve));
  });

  const sign = (key: PrivateKey, alg: string, kid: string, claims: JWTPayload) =>
    new SignJWT(claims).setProtectedHeader({ alg, kid }).setIssuedAt().setExpirationTime("10m").sign(key);

  it("an RS256 token signs in", async () => {
    const { session } = await signInTrusted(
      server.url,
      await sign(rsa, "RS256", "rsa-1", { sub: "REG-1", role: "registrar", name: "Rosa Diaz" }),
    );
    expect(session.user).toMatchObject({ externalId: "REG-1", role: "registrar", displayName: "Rosa Diaz" });
    expect(jwksRequests).toBeGreaterThan(0);
  });

  it("an ES256 token signs in", async () => {
    const { session } = await signInTrusted(
      server.url,
      await sign(ec, "ES256", "ec-1", { sub: "ACC-1", role: "accounting", name: "Omar Farouk" }),
    );
    expect(session.user).toMatchObject({
      externalId: "ACC-1",
      role: "accounting",
      displayName: "Omar Farouk",
    });
  });

  it("a token signed by another key is refused, whether or not it claims a known key id", async () => {
    const { privateKey: stranger } = await generateKeyPair("RS256");
    const claims = { sub: "REG-2", role: "registrar", name: "Mallory" };
    expectError(
      await postTrusted(server.url, await sign(stranger, "RS256", "rsa-1", claims)),
      401,
      "TRUSTED_TOKEN_INVALID",
    );
    expectError(
      await postTrusted(server.url, await sign(stranger, "RS256", "rsa-2", claims)),
      401,
      "TRUSTED_TOKEN_INVALID",
    );
    // The EC key cannot stand in for the RSA one.
    expectError(
      await postTrusted(server.url, await sign(ec, "ES256", "rsa-1", claims)),
      401,
      "TRUSTED_TOKEN_INVALID",
    );
  });

  it("an HS256 token is refused when only a JWKS is configured", async () => {
    const token = await trustedToken({ sub: "REG-3", role: "registrar", name: "Hank" });
    expectError(await postTrusted(server.url, token), 401, "TRUSTED_TOKEN_INVALID");
  });
});
