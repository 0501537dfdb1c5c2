// Step 2, after interpolation: a string where the schema wants a boolean or a number becomes one, so
// `tty: ${TTY}` or `replicas: "3"` validate (compose-go's interpolateTypeCastMapping).
import { ValueError, type Path } from "./errors.js";

/** Throws a ValueError when `text` is not of the type; `warn` hears about accepted YAML 1.1 booleans. */
export type Cast = (text: string, warn: (message: string) => void) => boolean | number;

// YAML 1.1 spellings (yes, on, n...) are not booleans in YAML 1.2; Docker Compose still takes them, with a warning
const BOOLEAN_WORDS = new Map([
  ["true", true], ["false", false],
  ["y", true], ["yes", true], ["on", true],
  ["n", false], ["no", false], ["off", false],
]);

const toBoolean: Cast = (text, warn) => {
  const value = BOOLEAN_WORDS.get(text.toLowerCase());
  if (value === undefined) throw new ValueError(`invalid boolean "${text}" (use true or false)`);
  if (!/^(true|false)$/i.test(text)) warn(`"${text}" is not a YAML 1.2 boolean; write ${value} instead`);
  return value;
};

const toInteger: Cast = (text) => {
  if (!/^[+-]?\d+$/.test(text)) throw new ValueError(`invalid integer "${text}" (use a whole number, e.g. 3)`);
  return Number(text);
};

const toNumber: Cast = (text) => {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) throw new ValueError(`invalid number "${text}" (use e.g. 1.5)`);
  return Number(text);
};

// `*` stands for any one key or list index. Sizes, durations, file modes, `ports[].published` (a range like
// "8000-8010") and `count` ("all") stay strings: their own parsers read them later.
const BOOLEANS = [
  "services.*.attach",
  "services.*.init",
  "services.*.oom_kill_disable",
  "services.*.privileged",
  "services.*.read_only",
  "services.*.stdin_open",
  "services.*.tty",
  "services.*.use_api_socket",
  "services.*.build.no_cache",
  "services.*.build.privileged",
  "services.*.build.pull",
  "services.*.depends_on.*.required",
  "services.*.depends_on.*.restart",
  "services.*.env_file.*.required",
  "services.*.healthcheck.disable",
  "services.*.post_start.*.privileged",
  "services.*.pre_stop.*.privileged",
  "services.*.volumes.*.read_only",
  "services.*.volumes.*.bind.create_host_path",
  "services.*.volumes.*.volume.nocopy",
  "networks.*.attachable",
  "networks.*.enable_ipv4",
  "networks.*.enable_ipv6",
  "networks.*.external",
  "networks.*.internal",
  "volumes.*.external",
  "secrets.*.external",
  "configs.*.external",
];

const INTEGERS = [
  "services.*.cpu_count",
  "services.*.cpu_period",
  "services.*.cpu_quota",
  "services.*.cpu_rt_period",
  "services.*.cpu_rt_runtime",
  "services.*.cpu_shares",
  "services.*.mem_swappiness",
  "services.*.oom_score_adj",
  "services.*.pids_limit",
  "services.*.scale",
  "services.*.blkio_config.weight",
  "services.*.blkio_config.weight_device.*.weight",
  "services.*.build.ulimits.*",
  "services.*.build.ulimits.*.hard",
  "services.*.build.ulimits.*.soft",
  "services.*.deploy.replicas",
  "services.*.deploy.placement.max_replicas_per_node",
  "services.*.deploy.resources.limits.pids",
  "services.*.deploy.restart_policy.max_attempts",
  "services.*.deploy.rollback_config.parallelism",
  "services.*.deploy.update_config.parallelism",
  "services.*.healthcheck.retries",
  "services.*.networks.*.gw_priority",
  "services.*.networks.*.priority",
  "services.*.ports.*.target",
  "services.*.ulimits.*",
  "services.*.ulimits.*.hard",
  "services.*.ulimits.*.soft",
];

const NUMBERS = [
  "services.*.cpus",
  "services.*.cpu_percent",
  "services.*.deploy.resources.limits.cpus",
  "services.*.deploy.resources.reservations.cpus",
  "services.*.deploy.rollback_config.max_failure_ratio",
  "services.*.deploy.update_config.max_failure_ratio",
];

interface Rule {
  pattern: string[];
  cast: Cast;
}

/** Rules by the last key of their pattern (all end in a fixed key but one), so each string is checked against a few. */
const RULES_BY_KEY = new Map<string, Rule[]>();
for (const [patterns, cast] of [[BOOLEANS, toBoolean], [INTEGERS, toInteger], [NUMBERS, toNumber]] as const) {
  for (const pattern of patterns) {
    const parts = pattern.split(".");
    const key = parts[parts.length - 1]!;
    RULES_BY_KEY.set(key, [...(RULES_BY_KEY.get(key) ?? []), { pattern: parts, cast }]);
  }
}

const WILDCARD_RULES = RULES_BY_KEY.get("*") ?? [];

const matches = (pattern: string[], path: Path) =>
  pattern.length === path.length && pattern.every((part, i) => part === "*" || part === String(path[i]));

/** The cast the schema wants at `path`, if it wants something other than a string there. */
export function castAt(path: Path): Cast | undefined {
  const byKey = RULES_BY_KEY.get(String(path[path.length - 1]))?.find((r) => matches(r.pattern, path));
  return (byKey ?? WILDCARD_RULES.find((r) => matches(r.pattern, path)))?.cast;
}
