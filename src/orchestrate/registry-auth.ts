// The credentials a client sends with a pull, push or build (X-Registry-Auth, X-Registry-Config), read from the
// user's Docker config file as the docker CLI reads them: the engine may run with another HOME or DOCKER_CONFIG
// than whoever ran `berth login`.
import type { AuthConfig } from "dockerode";
import { DEFAULT_DOMAIN, parseReference } from "../runtime/image/reference.js";
import { DOCKER_HUB_KEY, fromDockerConfig } from "../runtime/image/registry/credentials.js";

type Login = { username: string; password: string; serveraddress: string };

/** config.json's credentials for `image`'s registry, with the registry as the engine keys it; undefined when none. */
export async function loginFor(image: string, env: NodeJS.ProcessEnv = process.env): Promise<Login | undefined> {
  let domain: string;
  try {
    domain = parseReference(image).domain;
  } catch {
    return undefined; // the engine answers an invalid reference in its own words
  }
  const credentials = await fromDockerConfig(domain, env);
  if (credentials === undefined) return undefined;
  const serveraddress = domain === DEFAULT_DOMAIN ? DOCKER_HUB_KEY : domain;
  return { username: credentials.username ?? "", password: credentials.password ?? "", serveraddress };
}

/** `{ authconfig }` for `image`'s registry when config.json has credentials for it, else nothing to add. */
export async function registryAuth(image: string, env: NodeJS.ProcessEnv = process.env): Promise<{ authconfig?: AuthConfig }> {
  const login = await loginFor(image, env);
  return login ? { authconfig: login } : {};
}
