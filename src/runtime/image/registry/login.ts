// Checking a login (POST /auth) as dockerd does: GET /v2/ on the registry, answering its challenge with the
// user's credentials (basic, or a bearer token fetched with them), and success only on a 200.
import { invalid } from "../errors.js";
import { DEFAULT_DOMAIN } from "../reference.js";
import { causeOf, parseChallenge, tokenIn } from "./auth.js";
import { RegistryError } from "./client.js";
import type { Credentials } from "./credentials.js";
import { endpointsFor, plainHttpAllowed, type RegistryConfig } from "./hosts.js";

/** The names Docker Hub answers a login under (`docker login` sends https://index.docker.io/v1/). */
const DOCKER_HUB_HOSTS = new Set([DEFAULT_DOMAIN, "index.docker.io", "registry-1.docker.io"]);

/** The registry `serveraddress` names: `127.0.0.1:5000`, `http://registry.example/v1/`; empty is Docker Hub. */
export function loginDomain(serverAddress: string | undefined): string {
  if (!serverAddress) return DEFAULT_DOMAIN;
  let url: URL;
  try {
    url = new URL(/^https?:\/\//.test(serverAddress) ? serverAddress : `https://${serverAddress}`);
  } catch {
    throw invalid(`unable to parse server address: ${serverAddress}`);
  }
  return DOCKER_HUB_HOSTS.has(url.host) ? DEFAULT_DOMAIN : url.host;
}

/**
 * Resolves when the registry at `serverAddress` accepts `credentials`. A refusal is a RegistryError with status 401
 * and dockerd's message; an unreachable registry one with status 500. Mirrors are never asked: the credentials are
 * for the registry itself.
 */
export async function checkLogin(serverAddress: string | undefined, credentials: Credentials, config: RegistryConfig, signal?: AbortSignal): Promise<void> {
  const [endpoint] = endpointsFor(loginDomain(serverAddress), { mirrors: [], insecure: config.insecure });
  const url = `${endpoint!.url}/v2/`;
  let response = await get(url, {}, signal);
  if (response.status === 401) {
    const challenge = parseChallenge(response.headers.get("www-authenticate") ?? "");
    await response.body?.cancel();
    const authorization = await answer(challenge, url, credentials, config, signal);
    response = await get(url, { Authorization: authorization }, signal);
  }
  await response.body?.cancel();
  if (response.ok) return;
  const message = `login attempt to ${url} failed with status: ${response.status} ${response.statusText}`;
  throw new RegistryError(message, response.status === 401 || response.status === 403 ? 401 : 500);
}

const basic = (c: Credentials) => `Basic ${Buffer.from(`${c.username ?? ""}:${c.password ?? ""}`).toString("base64")}`;

/** The Authorization header that answers the /v2/ challenge: basic credentials, or a token (no scope: just the login). */
async function answer(challenge: ReturnType<typeof parseChallenge>, url: string, credentials: Credentials, config: RegistryConfig, signal?: AbortSignal): Promise<string> {
  if (challenge.scheme === "basic") return basic(credentials);
  if (challenge.scheme !== "bearer") throw new RegistryError(`Get "${url}": the registry asks for "${challenge.scheme || "unknown"}" authentication, which berth does not speak (basic and bearer)`, 500);
  let realm: URL;
  try {
    realm = new URL(challenge.params.realm ?? "");
  } catch {
    throw new RegistryError(`Get "${url}": the registry's token server "${challenge.params.realm ?? ""}" is not a URL`, 500);
  }
  if (realm.protocol !== "https:" && !(realm.protocol === "http:" && plainHttpAllowed(realm.host, config))) {
    throw new RegistryError(`refusing to send credentials to the token server ${realm.origin}: it is not HTTPS (add it to insecure-registries if it is trusted)`, 500);
  }
  if (challenge.params.service) realm.searchParams.set("service", challenge.params.service);
  const response = await get(realm.href, { Authorization: basic(credentials) }, signal);
  const body = await response.text();
  if (response.status === 401 || response.status === 403) throw new RegistryError(`Get "${url}": ${refusal(body)}`, 401);
  const token = tokenIn(body);
  if (!response.ok || token === undefined) {
    throw new RegistryError(`Get "${url}": the token server ${realm.origin}${realm.pathname} answered ${response.status} ${response.statusText} without a token`, 500);
  }
  return `Bearer ${token}`;
}

/** A token server's refusal as dockerd words it: `unauthorized: incorrect username or password`. */
function refusal(body: string): string {
  try {
    const parsed = JSON.parse(body) as { details?: unknown; errors?: { code?: string; message?: string }[] };
    if (typeof parsed.details === "string" && parsed.details) return `unauthorized: ${parsed.details}`;
    if (Array.isArray(parsed.errors) && parsed.errors.length > 0) {
      return parsed.errors.map((e) => `${(e.code ?? "unauthorized").toLowerCase().replace(/_/g, " ")}: ${e.message ?? ""}`).join("; ");
    }
  } catch {
    // not JSON: the text itself
  }
  return `unauthorized: ${body.trim().slice(0, 200) || "authentication required"}`;
}

async function get(url: string, headers: Record<string, string>, signal?: AbortSignal): Promise<Response> {
  try {
    return await fetch(url, { headers, signal });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new RegistryError(`Get "${url}": ${causeOf(err)}`, 500);
  }
}
