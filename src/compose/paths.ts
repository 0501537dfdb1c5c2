// Relative host paths made absolute: against the project directory, or against the directory of the file a
// definition came from (a service extended from another file, an included project). `~` is the user's home.
// Absolute paths are left alone, so resolving twice changes nothing.
import { isAbsolute, join, resolve } from "node:path";
import { ValueError } from "./errors.js";
import { isDict } from "./normalize/values.js";
import { parseVolumeSpec } from "./syntax/volumes.js";
import type { Dict } from "./parse.js";

type Absolute = (path: string) => string;

export function resolvePaths(data: Dict, baseDir: string, home: string): Dict {
  const absolute: Absolute = (path) => {
    if (path === "~" || path.startsWith("~/")) return join(home, path.slice(1));
    return isAbsolute(path) ? path : resolve(baseDir, path);
  };
  const resolved = structuredClone(data);
  for (const service of dictValues(resolved.services)) resolveService(service, absolute);
  for (const definition of [...dictValues(resolved.secrets), ...dictValues(resolved.configs)]) {
    if (typeof definition.file === "string") definition.file = absolute(definition.file);
  }
  for (const volume of dictValues(resolved.volumes)) resolveBindVolume(volume, absolute);
  if (Array.isArray(resolved.include)) resolved.include = resolved.include.map((entry) => includeEntry(entry, absolute));
  return resolved;
}

function resolveService(service: Dict, absolute: Absolute): void {
  if (typeof service.build === "string") service.build = buildContext(service.build, absolute);
  if (isDict(service.build)) resolveBuild(service.build, absolute);
  if (service.env_file !== undefined) service.env_file = mapPaths(service.env_file, absolute);
  if (service.label_file !== undefined) service.label_file = mapPaths(service.label_file, absolute);
  if (isDict(service.extends) && typeof service.extends.file === "string") service.extends.file = absolute(service.extends.file);
  if (Array.isArray(service.volumes)) service.volumes = service.volumes.map((volume) => serviceVolume(volume, absolute));
  if (isDict(service.develop) && Array.isArray(service.develop.watch)) {
    for (const rule of service.develop.watch) {
      if (isDict(rule) && typeof rule.path === "string") rule.path = absolute(rule.path);
    }
  }
}

function resolveBuild(build: Dict, absolute: Absolute): void {
  if (typeof build.context === "string") build.context = buildContext(build.context, absolute);
  const contexts = build.additional_contexts;
  if (isDict(contexts)) {
    for (const [name, context] of Object.entries(contexts)) {
      if (typeof context === "string") contexts[name] = buildContext(context, absolute);
    }
  } else if (Array.isArray(contexts)) {
    build.additional_contexts = contexts.map((entry) => {
      const [name, ...context] = String(entry).split("=");
      return context.length === 0 ? entry : `${name}=${buildContext(context.join("="), absolute)}`;
    });
  }
}

/** Git and URL contexts (and `docker-image://`-style named contexts) are not paths. */
function buildContext(context: string, absolute: Absolute): string {
  const remote = context.includes("://") || context.startsWith("github.com/") || context.startsWith("git@");
  return remote ? context : absolute(context);
}

/** `env_file` / `label_file`: one path, or a list of paths and `{path, ...}` entries. */
function mapPaths(value: unknown, absolute: Absolute): unknown {
  if (typeof value === "string") return absolute(value);
  if (!Array.isArray(value)) return value;
  return value.map((entry) => {
    if (typeof entry === "string") return absolute(entry);
    if (isDict(entry) && typeof entry.path === "string") return { ...entry, path: absolute(entry.path) };
    return entry;
  });
}

/** Short syntax `SOURCE:TARGET[:MODE]` binds a host path when SOURCE starts with `.`, `/` or `~`; else it names a volume. */
function serviceVolume(volume: unknown, absolute: Absolute): unknown {
  if (typeof volume === "string") {
    const colon = volume.indexOf(":");
    const source = volume.slice(0, Math.max(colon, 0));
    if (!/^[.~]/.test(source) || !isValidVolumeSpec(volume)) return volume; // an invalid one is reported as written
    return absolute(source) + volume.slice(colon);
  }
  if (isDict(volume) && volume.type === "bind" && typeof volume.source === "string") {
    return { ...volume, source: absolute(volume.source) };
  }
  return volume;
}

function isValidVolumeSpec(spec: string): boolean {
  try {
    parseVolumeSpec(spec);
    return true;
  } catch (err) {
    if (err instanceof ValueError) return false;
    throw err;
  }
}

/** A local volume with `o: bind` is a bind mount of `device` in disguise. */
function resolveBindVolume(volume: Dict, absolute: Absolute): void {
  const options = volume.driver_opts;
  const local = volume.driver === undefined || volume.driver === "local";
  if (!local || !isDict(options) || typeof options.device !== "string") return;
  if (String(options.o ?? "").split(",").includes("bind")) options.device = absolute(options.device);
}

function includeEntry(entry: unknown, absolute: Absolute): unknown {
  if (typeof entry === "string") return absolute(entry);
  if (!isDict(entry)) return entry;
  const resolved = { ...entry };
  for (const key of ["path", "env_file", "project_directory"]) {
    if (resolved[key] !== undefined) resolved[key] = mapPaths(resolved[key], absolute);
  }
  return resolved;
}

function dictValues(value: unknown): Dict[] {
  return isDict(value) ? Object.values(value).filter(isDict) : [];
}
