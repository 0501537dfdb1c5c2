// A service's container environment: its `env_file`s in order, overridden by `environment`; `env_file` itself
// is then dropped, as `docker compose config` does.
import { parseDotenv, type Lookup } from "../dotenv.js";
import type { Path } from "../errors.js";
import type { Environment } from "../model.js";
import type { NormalizeContext } from "../normalize.js";
import type { Dict } from "../parse.js";
import { assignments, isDict, readIfPresent, userError } from "./values.js";

interface EnvFile {
  path: string;
  required: boolean;
  format?: string;
}

/** `environment` (list of `K=V` or map) as a map; a bare `K` or a null value reads the shell, else stays null. */
export function resolveEnvironment(value: unknown, lookup: Lookup): Environment {
  return Object.fromEntries(assignments(value).map(([key, v]) => [key, v ?? lookup(key) ?? null]));
}

/** The merged environment of `service` at `path`, or undefined when it sets neither key. */
export function normalizeEnvironment(service: Dict, path: Path, ctx: NormalizeContext): Environment | undefined {
  const envFile = service.env_file ?? undefined;
  const environment = service.environment ?? undefined;
  if (envFile === undefined && environment === undefined) return undefined;
  const fromFiles = envFile === undefined ? {} : readEnvFiles(envFile, [...path, "env_file"], ctx);
  const own = environment === undefined ? {} : resolveEnvironment(environment, ctx.lookup);
  return { ...fromFiles, ...own };
}

function envFiles(value: unknown): EnvFile[] {
  return (Array.isArray(value) ? value : [value]).map((entry) =>
    isDict(entry)
      ? { path: String(entry.path), required: entry.required !== false, ...(entry.format !== undefined && { format: String(entry.format) }) }
      : { path: String(entry), required: true },
  );
}

/** Later files override earlier ones; each file's `${VAR}`s see the files before it, then the shell. */
function readEnvFiles(value: unknown, path: Path, ctx: NormalizeContext): Record<string, string> {
  const vars: Record<string, string> = {};
  const lookup: Lookup = (name) => vars[name] ?? ctx.lookup(name);
  const single = !Array.isArray(value);
  envFiles(value).forEach((file, i) => {
    const where = single ? path : [...path, i];
    if (file.format !== undefined) {
      throw userError(ctx, where, `unsupported env_file format "${file.format}" (leave format unset for the compose format)`);
    }
    const text = readIfPresent(ctx, file.path);
    if (text === undefined) {
      if (file.required) throw userError(ctx, where, `env file ${file.path} not found (set required: false to make it optional)`);
      return;
    }
    Object.assign(vars, parseDotenv(file.path, text, lookup, ctx.warn));
  });
  return vars;
}
