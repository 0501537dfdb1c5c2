// `build`: always the long form, with compose-go's defaults (context: the project directory, dockerfile:
// "Dockerfile") and bare build args resolved from the shell.
import type { Lookup } from "../dotenv.js";
import type { Path } from "../errors.js";
import type { BuildConfig } from "../model.js";
import type { NormalizeContext } from "../normalize.js";
import type { Dict } from "../parse.js";
import { normalizeExtraHosts } from "./extra-hosts.js";
import { normalizeFileMounts } from "./file-mounts.js";
import { normalizeUlimits } from "./ulimits.js";
import { toBytes } from "./units.js";
import { assignments, isDict, toList, toMapping, withoutExtensions } from "./values.js";

export function normalizeBuild(value: unknown, path: Path, ctx: NormalizeContext): BuildConfig {
  // Relative contexts were made absolute by the path step; only the default is left to fill in.
  const build = typeof value === "string" ? { context: value } : withoutExtensions(value as Dict);
  const out = { ...build, context: build.context ?? ctx.projectDir } as BuildConfig & Dict;
  if (build.dockerfile === undefined && build.dockerfile_inline === undefined) out.dockerfile = "Dockerfile";
  if (build.args !== undefined) out.args = resolveArgs(build.args, ctx.lookup);
  if (build.labels !== undefined) out.labels = toMapping(build.labels);
  if (build.additional_contexts !== undefined) out.additional_contexts = toMapping(build.additional_contexts);
  if (build.ssh !== undefined) out.ssh = sshKeys(build.ssh);
  if (build.no_cache_filter !== undefined) out.no_cache_filter = toList(build.no_cache_filter);
  if (build.shm_size !== undefined) out.shm_size = toBytes(build.shm_size, [...path, "shm_size"], ctx);
  if (build.extra_hosts !== undefined) out.extra_hosts = normalizeExtraHosts(build.extra_hosts, [...path, "extra_hosts"], ctx);
  if (isDict(build.ulimits)) out.ulimits = normalizeUlimits(build.ulimits, [...path, "ulimits"], ctx);
  if (Array.isArray(build.secrets)) out.secrets = normalizeFileMounts(build.secrets, [...path, "secrets"], ctx);
  return out;
}

/** Like `environment`: a bare arg takes the shell's value, and stays null when the shell has none (compose-go). */
function resolveArgs(value: unknown, lookup: Lookup): Record<string, string | null> {
  return Object.fromEntries(assignments(value).map(([key, v]) => [key, v ?? lookup(key) ?? null]));
}

/** `default` or `id=path` entries; the map form `{ id: path }` becomes the same list. */
function sshKeys(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return Object.entries(value as Dict).map(([id, path]) => (path === null || path === "" ? id : `${id}=${String(path)}`));
}
