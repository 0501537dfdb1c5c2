// Registry credentials: from the client's X-Registry-Auth header (what `docker pull` sends), else from the
// Docker CLI's config file ($DOCKER_CONFIG/config.json or ~/.docker/config.json, `auths` with base64 `auth`).
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { invalid } from "../errors.js";
import { DEFAULT_DOMAIN } from "../reference.js";

export interface Credentials {
  username?: string;
  password?: string;
  /** A bearer token to send as is (the header's `registrytoken`). */
  registryToken?: string;
}

/** The key docker login uses for Docker Hub in config.json. */
export const DOCKER_HUB_KEY = "https://index.docker.io/v1/";

const hasAny = (c: Credentials) => Boolean(c.username || c.password || c.registryToken);

/** Decodes X-Registry-Auth: base64url JSON {username, password, registrytoken, ...}; undefined when it carries none. */
export function fromAuthHeader(header: string | undefined): Credentials | undefined {
  if (!header) return undefined;
  return authConfig(decodeHeader(header, "X-Registry-Auth"), "X-Registry-Auth");
}

/**
 * Decodes X-Registry-Config, what a build sends: base64url JSON {registry: {username, password, ...}} for every
 * registry its base images may come from. Keyed by domain (docker.io, or a host[:port]).
 */
export function fromConfigHeader(header: string | undefined): Map<string, Credentials> {
  const found = new Map<string, Credentials>();
  if (!header) return found;
  for (const [key, value] of Object.entries(decodeHeader(header, "X-Registry-Config"))) {
    const credentials = typeof value === "object" && value !== null ? authConfig(value as Record<string, unknown>, `X-Registry-Config "${key}"`) : undefined;
    if (credentials) found.set(isDockerHub(key) ? DEFAULT_DOMAIN : hostOf(key), credentials);
  }
  return found;
}

function decodeHeader(header: string, name: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(header, "base64url").toString("utf8"));
  } catch {
    throw invalid(`invalid ${name} header: expected base64url-encoded JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid(`invalid ${name} header: expected a JSON object`);
  return value as Record<string, unknown>;
}

/** One registry's {username, password, registrytoken, auth}; undefined when it carries none. */
function authConfig(value: Record<string, unknown>, where: string): Credentials | undefined {
  const text = (key: string) => (typeof value[key] === "string" && value[key] !== "" ? (value[key] as string) : undefined);
  const credentials: Credentials = { username: text("username"), password: text("password"), registryToken: text("registrytoken") };
  const auth = text("auth");
  if (!credentials.username && auth) Object.assign(credentials, decodeAuth(auth, where));
  return hasAny(credentials) ? credentials : undefined;
}

/** `auth` is base64 of `user:password`. */
function decodeAuth(auth: string, where: string): Credentials {
  const text = Buffer.from(auth, "base64").toString("utf8");
  const colon = text.indexOf(":");
  if (colon < 0) throw invalid(`invalid auth in ${where}: expected base64 of "username:password"`);
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** `registry.example:5000` from `https://registry.example:5000/v1/` or `registry.example:5000`. */
export const hostOf = (key: string) => key.replace(/^[a-z]+:\/\//, "").replace(/\/.*$/, "");

/** Whether a config.json key names Docker Hub. */
const isDockerHub = (key: string) => key === DOCKER_HUB_KEY || hostOf(key) === "index.docker.io" || hostOf(key) === DEFAULT_DOMAIN;

/** The Docker CLI's config file, which `berth login` writes. */
export const dockerConfigFile = (env: NodeJS.ProcessEnv = process.env) => join(env.DOCKER_CONFIG || join(env.HOME || homedir(), ".docker"), "config.json");

/** The Docker CLI's config file as a whole; {} when there is none. */
export interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string }>;
  [other: string]: unknown;
}

/** Reads and checks the Docker CLI's config file (whole, so that `berth login` can write it back with every key kept). */
export async function readDockerConfig(path: string): Promise<DockerConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw err;
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (err) {
    throw invalid(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof config !== "object" || config === null || Array.isArray(config)) throw invalid(`${path} is not a JSON object`);
  const { auths } = config as DockerConfig;
  if (auths !== undefined && (typeof auths !== "object" || auths === null || Array.isArray(auths))) throw invalid(`${path}: "auths" is not an object`);
  return config as DockerConfig;
}

/** The credentials config.json holds for `domain` (docker.io, or a host[:port]), if any. */
export async function fromDockerConfig(domain: string, env: NodeJS.ProcessEnv = process.env): Promise<Credentials | undefined> {
  const path = dockerConfigFile(env);
  for (const [key, entry] of Object.entries((await readDockerConfig(path)).auths ?? {})) {
    const matches = domain === DEFAULT_DOMAIN ? isDockerHub(key) : hostOf(key) === domain;
    if (!matches) continue;
    if (entry.auth) return decodeAuth(entry.auth, `${path} auths."${key}"`);
    if (entry.username) return { username: entry.username, password: entry.password };
  }
  return undefined;
}
