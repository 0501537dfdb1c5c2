// One service in its canonical form: each key through its normaliser, keys derived from several others
// (environment, labels, depends_on, networks) computed last.
import { located, type Path } from "../errors.js";
import type { Service } from "../model.js";
import type { NormalizeContext } from "../normalize.js";
import type { Dict } from "../parse.js";
import { parsePullPolicy } from "../syntax/pull-policy.js";
import { parseRestartPolicy } from "../syntax/restart.js";
import { parseSignal } from "../syntax/signal.js";
import { normalizeBuild } from "./build.js";
import { normalizeCommand } from "./command.js";
import { normalizeDependsOn } from "./depends-on.js";
import { normalizeDeploy } from "./deploy.js";
import { normalizeDevices } from "./devices.js";
import { normalizeEnvironment } from "./environment.js";
import { normalizeExtraHosts } from "./extra-hosts.js";
import { normalizeFileMounts } from "./file-mounts.js";
import { normalizeHealthcheck } from "./healthcheck.js";
import { normalizeHooks } from "./hooks.js";
import { normalizeLabels } from "./labels.js";
import { normalizeServiceNetworks } from "./networks.js";
import { normalizePorts } from "./ports.js";
import { normalizeUlimits } from "./ulimits.js";
import { toBytes, toDuration } from "./units.js";
import { at, checkAddress, toList, toMapping, withoutExtensions } from "./values.js";
import { normalizeServiceVolumes } from "./volumes.js";

// `any`: values reach a normaliser after schema validation, so each takes the shape the schema allows for its key.
type KeyNormalizer = (value: any, path: Path, ctx: NormalizeContext) => unknown;

/** Checked by a syntax parser, then kept as written (compose prints them so). */
const validated =
  (parse: (text: string) => unknown): KeyNormalizer =>
  (value, path, ctx) => {
    located(at(ctx, path), () => parse(String(value)));
    return value;
  };

const KEYS: Record<string, KeyNormalizer> = {
  annotations: toMapping,
  build: normalizeBuild,
  command: normalizeCommand,
  configs: normalizeFileMounts,
  deploy: normalizeDeploy,
  develop: withoutExtensions,
  devices: normalizeDevices,
  dns: dnsServers,
  dns_search: toList,
  entrypoint: normalizeCommand,
  expose: (value: unknown[]) => value.map(String),
  extra_hosts: normalizeExtraHosts,
  group_add: (value: unknown[]) => value.map(String),
  healthcheck: normalizeHealthcheck,
  logging: (value: Dict) => ({ ...withoutExtensions(value), ...(value.options != null && { options: toMapping(value.options) }) }),
  mem_limit: toBytes,
  mem_reservation: toBytes,
  memswap_limit: toBytes,
  models: (value) => (Array.isArray(value) ? Object.fromEntries(value.map((name) => [name, null])) : value),
  networks: normalizeServiceNetworks,
  ports: normalizePorts,
  post_start: normalizeHooks,
  pre_start: normalizeHooks,
  pre_stop: normalizeHooks,
  provider: withoutExtensions,
  // compose-go's older spelling of the same policy
  pull_policy: (value: string, path, ctx) => {
    located(at(ctx, path), () => parsePullPolicy(value));
    return value === "if_not_present" ? "missing" : value;
  },
  restart: validated(parseRestartPolicy),
  secrets: normalizeFileMounts,
  shm_size: toBytes,
  stop_grace_period: toDuration,
  stop_signal: validated(parseSignal),
  sysctls: toMapping,
  tmpfs: toList,
  ulimits: normalizeUlimits,
  volumes: normalizeServiceVolumes,
};

/** The engine only takes addresses here, so a host name is caught now rather than when the container starts. */
function dnsServers(value: unknown, path: Path, ctx: NormalizeContext): string[] {
  const servers = toList(value);
  servers.forEach((address, i) => checkAddress(address, Array.isArray(value) ? [...path, i] : path, ctx));
  return servers;
}

/** Keys computed from several keys at once below; `env_file` and `label_file` are folded into others. */
const DERIVED = new Set(["depends_on", "env_file", "environment", "label_file", "labels"]);

export function normalizeService(raw: Dict, path: Path, ctx: NormalizeContext): Service {
  const service: Dict = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key.startsWith("x-") || value === null || DERIVED.has(key)) continue;
    const normalizeKey = KEYS[key];
    service[key] = normalizeKey ? normalizeKey(value, [...path, key], ctx) : value;
  }
  const environment = normalizeEnvironment(raw, path, ctx);
  const labels = normalizeLabels(raw, path, ctx);
  const dependsOn = normalizeDependsOn(raw);
  const networks = service.networks as Service["networks"];
  // compose-go: a service that says nothing about networking joins the project's default network
  const joinsDefault = service.network_mode === undefined && service.provider === undefined && Object.keys(networks ?? {}).length === 0;
  return {
    ...service,
    ...(environment && { environment }),
    ...(labels && { labels }),
    ...(dependsOn && { depends_on: dependsOn }),
    ...(joinsDefault && { networks: { default: null } }),
  } as Service;
}
