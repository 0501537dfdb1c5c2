// Merging compose files (and a service over the one it extends), by the Compose rules: mappings merge by key,
// sequences append without exact duplicates, scalars replace; then the keys compose-go treats specially.
// The result is plain data still in the user's syntax; where both sides use different forms of the same key
// (`K=V` list vs mapping, string vs list), the merged value takes the form the normaliser reads either way.
import { isDeepStrictEqual } from "node:util";
import { ValueError, type Path } from "./errors.js";
import { assignments, isDict } from "./normalize/values.js";
import type { Dict, ParsedFile } from "./parse.js";
import { checkPortConfig, parsePortSpec } from "./syntax/ports.js";
import { parseVolumeSpec } from "./syntax/volumes.js";

/** The `!reset` and `!override` marks of the side merged on top. */
export interface Marks {
  resets: readonly Path[];
  overrides: readonly Path[];
}

/** `over` merged onto `base` (neither is changed): `over`'s `!reset` paths are removed from `base` first. */
export function mergeFile(base: Dict, over: Pick<ParsedFile, "data" | "resets" | "overrides">): Dict {
  // Every step builds new objects where it changes something and shares the rest, so nothing is copied whole.
  const cleared = over.resets.reduce<Dict>((data, path) => without(data, path) as Dict, base);
  const overridden = new Set(over.overrides.map(pathKey));
  const merge: Merge = (b, o, path) => (overridden.size > 0 && overridden.has(pathKey(path)) ? o : mergeValue(b, o, path, merge));
  const merged = merge(cleared, over.data, []) as Dict;
  return withUniqueEntries(merged, isDict(over.data.services) ? Object.keys(over.data.services) : []);
}

/** A service merged over the one it extends; `marks` are relative to the service. */
export function mergeService(base: Dict, over: Dict, marks: Marks = { resets: [], overrides: [] }): Dict {
  const within = (path: Path) => ["services", "service", ...path];
  const merged = mergeFile(
    { services: { service: base } },
    { data: { services: { service: over } }, resets: marks.resets.map(within), overrides: marks.overrides.map(within) },
  );
  return (merged.services as Dict).service as Dict;
}

type Merge = (base: unknown, over: unknown, path: Path) => unknown;
type Rule = (base: unknown, over: unknown, path: Path, merge: Merge) => unknown;

function mergeValue(base: unknown, over: unknown, path: Path, merge: Merge): unknown {
  const rule = RULES.find(([pattern]) => matches(pattern, path));
  if (rule) return rule[1](base, over, path, merge);
  // An empty value on top (`volumes: {data: }`) keeps what is below, as compose-go does.
  if (over === null || over === undefined) return base;
  if (isDict(base) && isDict(over)) return mergeDicts(base, over, path, merge);
  if (Array.isArray(base) && Array.isArray(over)) return appendNew(base, over);
  return over;
}

function mergeDicts(base: Dict, over: Dict, path: Path, merge: Merge): Dict {
  const merged = { ...base };
  for (const [key, value] of Object.entries(over)) {
    merged[key] = Object.hasOwn(base, key) ? merge(base[key], value, [...path, key]) : value;
  }
  return merged;
}

/** Appends the entries of `over` that are not already there: two identical entries never mean more than one. */
function appendNew(base: unknown[], over: unknown[]): unknown[] {
  const merged = [...base];
  for (const entry of over) {
    if (!merged.some((existing) => isDeepStrictEqual(existing, entry))) merged.push(entry);
  }
  return merged;
}

const replace: Rule = (_base, over) => over;

/** `build: ./dir` is `build: {context: ./dir}`. */
const mergeBuild: Rule = (base, over, path, merge) => {
  const asDict = (build: unknown): Dict => (typeof build === "string" ? { context: build } : isDict(build) ? build : {});
  return mergeDicts(asDict(base), asDict(over), path, merge);
};

/** List-or-mapping keys whose entries are names with settings (`depends_on`, `networks`): merged by name. */
function byName(listDefault: Dict | null): Rule {
  const asDict = (value: unknown): Dict => {
    if (!Array.isArray(value)) return (value ?? {}) as Dict;
    return Object.fromEntries(value.map((name) => [String(name), structuredClone(listDefault)]));
  };
  return (base, over, path, merge) => mergeDicts(asDict(base), asDict(over), path, merge);
}

/** `K=V` lists and mappings (environment, labels...): merged by key, the later value winning, null included. */
const byKey: Rule = (base, over) => ({ ...keyValues(base), ...keyValues(over) });

function keyValues(value: unknown): Dict {
  if (!Array.isArray(value)) return (value ?? {}) as Dict;
  // A bare `K` keeps its meaning (unset, or taken from the shell) as a null value.
  return Object.fromEntries(assignments(value).map(([key, v]) => [key, v ?? null]));
}

/** String-or-list keys (`dns`, `env_file`, `extra_hosts` as `host=ip`...): appended as lists. */
const asLists: Rule = (base, over) => appendNew(asList(base), asList(over));

function asList(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value;
  if (!isDict(value)) return [value];
  // extra_hosts as a mapping; one host may have several addresses.
  return Object.entries(value).flatMap(([host, ips]) => (Array.isArray(ips) ? ips : [ips]).map((ip) => `${host}=${ip}`));
}

/** Options tied to a driver (`logging.options`, `driver_opts`) only merge when both sides use the same driver. */
function driverScoped(optionsKey: string): Rule {
  return (base, over, path, merge) => {
    if (!isDict(base) || !isDict(over)) return over ?? base;
    const kept = { ...base };
    if (base.driver !== undefined && over.driver !== undefined && base.driver !== over.driver) delete kept[optionsKey];
    return mergeDicts(kept, over, path, merge);
  };
}

/** IPAM pools are one per subnet: a pool for the same subnet is merged into it, others are added. */
const mergePools: Rule = (base, over, path, merge) => {
  const pools = [...((base ?? []) as unknown[])];
  for (const pool of (over ?? []) as unknown[]) {
    const same = pools.findIndex((existing) => isDict(existing) && isDict(pool) && existing.subnet === pool.subnet);
    if (same < 0) pools.push(pool);
    else pools[same] = merge(pools[same], pool, [...path, same]);
  }
  return pools;
};

const KEY_VALUE_KEYS = [
  "services.*.environment",
  "services.*.labels",
  "services.*.annotations",
  "services.*.sysctls",
  "services.*.storage_opt",
  "services.*.build.args",
  "services.*.build.labels",
  "services.*.build.additional_contexts",
  "services.*.deploy.labels",
  "networks.*.labels",
  "volumes.*.labels",
  "secrets.*.labels",
  "configs.*.labels",
];

const STRING_OR_LIST_KEYS = [
  "services.*.dns",
  "services.*.dns_opt",
  "services.*.dns_search",
  "services.*.env_file",
  "services.*.label_file",
  "services.*.tmpfs",
  "services.*.extra_hosts",
  "services.*.build.extra_hosts",
];

const RULES: [pattern: string[], rule: Rule][] = Object.entries<Rule>({
  "services.*.command": replace,
  "services.*.entrypoint": replace,
  "services.*.healthcheck.test": replace,
  "services.*.build": mergeBuild,
  "services.*.depends_on": byName({ condition: "service_started", required: true }),
  "services.*.networks": byName(null),
  "services.*.models": byName(null),
  "services.*.logging": driverScoped("options"),
  "networks.*": driverScoped("driver_opts"),
  "volumes.*": driverScoped("driver_opts"),
  "networks.*.ipam.config": mergePools,
  ...Object.fromEntries(KEY_VALUE_KEYS.map((pattern) => [pattern, byKey])),
  ...Object.fromEntries(STRING_OR_LIST_KEYS.map((pattern) => [pattern, asLists])),
}).map(([pattern, rule]) => [pattern.split("."), rule]);

function matches(pattern: string[], path: Path): boolean {
  return pattern.length === path.length && pattern.every((part, i) => part === "*" || part === path[i]);
}

/**
 * Sequences whose entries are unique by a key (the mount target, the published port...): a later entry replaces
 * the earlier one in place. Applied to every service a file touches, so a single file's own duplicates collapse too.
 */
const UNIQUE_BY: Record<string, (entry: unknown) => string> = {
  volumes: (entry) => (isDict(entry) ? String(entry.target) : parsed(entry, (spec) => parseVolumeSpec(String(spec)).target)),
  devices: (entry) => (isDict(entry) ? String(entry.target) : deviceTarget(String(entry))),
  ports: portKey,
  secrets: mountTarget("/run/secrets/"),
  configs: mountTarget("/"),
  expose: String,
  env_file: (entry) => (isDict(entry) ? String(entry.path) : String(entry)),
};

/** `blkio_config` lists, one entry per device path */
const BLKIO_DEVICE_LISTS = ["device_read_bps", "device_read_iops", "device_write_bps", "device_write_iops", "weight_device"];

/** Only the services `over` touched: the others come unchanged from an earlier merge, unique already. */
function withUniqueEntries(data: Dict, touched: string[]): Dict {
  if (!isDict(data.services) || touched.length === 0) return data;
  const services = { ...data.services };
  for (const name of touched) services[name] = uniqueInService(services[name]);
  return { ...data, services };
}

function uniqueInService(service: unknown): unknown {
  if (!isDict(service)) return service;
  const unique = { ...service };
  for (const [key, keyOf] of Object.entries(UNIQUE_BY)) {
    if (Array.isArray(unique[key])) unique[key] = uniqueBy(unique[key], keyOf);
  }
  if (isDict(unique.blkio_config)) {
    const blkio = { ...unique.blkio_config };
    for (const key of BLKIO_DEVICE_LISTS) {
      if (Array.isArray(blkio[key])) blkio[key] = uniqueBy(blkio[key], (entry) => (isDict(entry) ? String(entry.path) : String(entry)));
    }
    unique.blkio_config = blkio;
  }
  return unique;
}

function uniqueBy(entries: unknown[], keyOf: (entry: unknown) => string): unknown[] {
  const unique: unknown[] = [];
  const slotOf = new Map<string, number>();
  for (const entry of entries) {
    const key = keyOf(entry);
    const slot = slotOf.get(key);
    if (slot === undefined) slotOf.set(key, unique.push(entry) - 1);
    else unique[slot] = entry;
  }
  return unique;
}

/** Ports are the same when host IP, published port(s), container port(s) and protocol all are, whatever the syntax. */
function portKey(entry: unknown): string {
  return parsed(entry, (spec) => {
    const ports = isDict(spec) ? [checkPortConfig(spec)] : parsePortSpec(spec as string | number);
    return ports.map((port) => `${port.host_ip ?? ""}:${port.published ?? ""}:${port.target}/${port.protocol}`).join(",");
  });
}

/** A secret or config without a target is mounted under a default directory, by its source name. */
function mountTarget(defaultDir: string): (entry: unknown) => string {
  return (entry) => {
    if (!isDict(entry)) return defaultDir + String(entry);
    return entry.target === undefined ? defaultDir + String(entry.source) : String(entry.target);
  };
}

/** `HOST[:CONTAINER[:PERMISSIONS]]`: the device path inside the container. */
function deviceTarget(spec: string): string {
  const [host, container] = spec.split(":");
  return container ?? host!;
}

/** An entry the syntax parser rejects is its own key here: the normaliser reports it, with its position. */
function parsed(entry: unknown, keyOf: (entry: unknown) => string): string {
  try {
    return keyOf(entry);
  } catch (err) {
    if (err instanceof ValueError) return JSON.stringify(entry);
    throw err;
  }
}

/** `node` without what a `!reset` path names; in a list of names or `K=V` entries (the other syntax), the entries for K. */
function without(node: unknown, path: Path): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return node;
  if (isDict(node)) {
    if (!Object.hasOwn(node, head)) return node;
    if (rest.length > 0) return { ...node, [head]: without(node[head], rest) };
    const { [head]: _removed, ...kept } = node;
    return kept;
  }
  if (Array.isArray(node) && rest.length === 0 && typeof head === "string") return node.filter((entry) => String(entry).split("=")[0] !== head);
  return node;
}

const pathKey = (path: Path) => JSON.stringify(path);
