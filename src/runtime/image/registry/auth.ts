// Registry authentication: the challenge in a 401's WWW-Authenticate, answered with basic credentials or with a
// bearer token from the challenge's token server (the Docker token protocol).
import { invalid } from "../errors.js";
import type { Credentials } from "./credentials.js";

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** `Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"`. */
export function parseChallenge(header: string): Challenge {
  const space = header.indexOf(" ");
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  for (const m of header.slice(space + 1).matchAll(/([A-Za-z_]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3]!;
  }
  return { scheme, params };
}

const basic = (c: Credentials) => `Basic ${Buffer.from(`${c.username ?? ""}:${c.password ?? ""}`).toString("base64")}`;

/**
 * The Authorization header value that answers `challenge` for `scope`. `checkUrl` refuses token servers
 * berth must not send credentials to (plain HTTP outside loopback and insecure registries).
 */
export async function authorize(
  challenge: Challenge,
  scope: string,
  credentials: Credentials | undefined,
  checkUrl: (url: URL) => void,
  signal?: AbortSignal,
): Promise<string> {
  if (challenge.scheme === "basic") {
    if (!credentials?.username) throw invalid("the registry asks for a username and password: log in first (docker login, or auths in ~/.docker/config.json)");
    return basic(credentials);
  }
  if (challenge.scheme !== "bearer") throw invalid(`the registry asks for "${challenge.scheme}" authentication, which berth does not speak (basic and bearer)`);
  if (credentials?.registryToken) return `Bearer ${credentials.registryToken}`;
  const realm = challenge.params.realm;
  if (!realm) throw invalid("the registry's bearer challenge names no token server (realm)");
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw invalid(`the registry's token server "${realm}" is not a URL`);
  }
  checkUrl(url);
  if (challenge.params.service) url.searchParams.set("service", challenge.params.service);
  // The scope is what the client is about to do, which may be more than the request that drew the challenge.
  url.searchParams.set("scope", scope);
  const headers: Record<string, string> = credentials?.username ? { Authorization: basic(credentials) } : {};
  let response: Response;
  try {
    response = await fetch(url, { headers, signal });
  } catch (err) {
    throw invalid(`Get "${url.origin}${url.pathname}": ${causeOf(err)}`);
  }
  const body = await response.text();
  if (!response.ok) {
    throw invalid(`the token server ${url.origin}${url.pathname} refused: ${response.status} ${response.statusText}${body.trim() ? `: ${body.trim().slice(0, 200)}` : ""}`);
  }
  const token = tokenIn(body);
  if (token === undefined) throw invalid(`the token server ${url.origin}${url.pathname} answered without a token`);
  return `Bearer ${token}`;
}

/** fetch's network errors say "fetch failed"; the reason is in `cause`. */
export function causeOf(err: unknown): string {
  const cause = (err as { cause?: { message?: string } }).cause;
  return cause?.message ?? (err as Error).message;
}

/** The token in a token server's JSON answer (`token`, or OAuth's `access_token`); undefined when there is none. */
export function tokenIn(body: string): string | undefined {
  try {
    const answer = JSON.parse(body) as { token?: unknown; access_token?: unknown };
    const token = answer.token ?? answer.access_token;
    return typeof token === "string" && token !== "" ? token : undefined;
  } catch {
    return undefined;
  }
}
