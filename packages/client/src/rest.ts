import type { Session } from "@hallway/protocol";
import { parseAnswer } from "./upload.ts";

/** A thin REST helper: JSON in, JSON out, errors as HallwayClientError with the server's code. */
export class RestClient {
  constructor(
    readonly baseUrl: string,
    private readonly getToken: () => string | undefined,
    private readonly fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis),
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    const token = this.getToken();
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await this.fetchImpl(this.baseUrl + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return parseAnswer<T>(response.status, await response.text());
  }

  /** The bearer token in use (for requests made outside `request`, such as uploads). */
  get token(): string | undefined {
    return this.getToken();
  }

  /** The fetch in use. */
  get fetch(): typeof fetch {
    return this.fetchImpl;
  }

  signIn(username: string, password: string): Promise<Session> {
    return this.request("POST", "/api/v1/auth/sign-in", { username, password });
  }

  signInTrusted(token: string): Promise<Session> {
    return this.request("POST", "/api/v1/auth/trusted", { token });
  }

  refresh(refreshToken: string): Promise<Session> {
    return this.request("POST", "/api/v1/auth/refresh", { refreshToken });
  }
}
