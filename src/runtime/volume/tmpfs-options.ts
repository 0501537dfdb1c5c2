// tmpfs mount options, as `--tmpfs /run:size=64m,exec` and the local driver's `o=` give them, turned into what
// berth-monitor takes: the restricting flags (ro, noexec, nosuid, nodev) plus tmpfs' own `key=value` options.
import { invalid } from "../image/errors.js";

/** Each flag with the one it cancels: the later of the two wins, as in Docker's MergeTmpfsOptions. */
const OPPOSITES: Record<string, string> = {
  ro: "rw", rw: "ro", exec: "noexec", noexec: "exec", suid: "nosuid", nosuid: "suid", dev: "nodev", nodev: "dev",
};
/** Only these reach the monitor; their opposites are the kernel's defaults and need no option. */
const RESTRICTING = new Set(["ro", "noexec", "nosuid", "nodev"]);
/** Flags the kernel takes on any mount and the monitor passes through as is. */
const PROPAGATION = new Set(["private", "rprivate", "shared", "rshared", "slave", "rslave"]);

const DATA_OPTIONS: Record<string, RegExp> = {
  size: /^\d+[kKmMgG%]?$/,
  nr_blocks: /^\d+[kKmMgG]?$/,
  nr_inodes: /^\d+[kKmMgG]?$/,
  mode: /^[0-7]{1,4}$/,
  uid: /^\d+$/,
  gid: /^\d+$/,
};

/** Docker's defaults for a container's tmpfs mounts (`Tmpfs`, Mounts of type tmpfs). */
export const CONTAINER_TMPFS_DEFAULTS = ["noexec", "nosuid", "nodev"] as const;

/**
 * Merges `options` (a comma list) over `defaults`. Throws InvalidArgument naming the option and what is
 * valid. The result holds each restricting flag once, then the data options in the order given.
 */
export function tmpfsOptions(options: string, defaults: readonly string[] = []): string[] {
  const flags = new Set(defaults);
  const data = new Map<string, string>();
  for (const option of options.split(",").filter((o) => o !== "")) {
    const eq = option.indexOf("=");
    if (eq < 0) {
      if (!(option in OPPOSITES) && !PROPAGATION.has(option)) throw invalidOption(option);
      flags.delete(OPPOSITES[option] ?? "");
      flags.add(option);
      continue;
    }
    const key = option.slice(0, eq);
    const value = option.slice(eq + 1);
    const format = DATA_OPTIONS[key];
    if (format === undefined) throw invalidOption(option);
    if (!format.test(value)) throw invalid(`invalid tmpfs option "${option}": ${key} takes ${describe(key)}`);
    data.set(key, value);
  }
  const kept = [...flags].filter((f) => RESTRICTING.has(f) || PROPAGATION.has(f));
  return [...kept, ...[...data].map(([key, value]) => `${key}=${value}`)];
}

function invalidOption(option: string): Error {
  const valid = [...Object.keys(OPPOSITES), ...PROPAGATION, ...Object.keys(DATA_OPTIONS).map((k) => `${k}=`)];
  return invalid(`invalid tmpfs option "${option}": valid are ${valid.join(", ")}`);
}

function describe(key: string): string {
  if (key === "mode") return "octal permission bits such as 1777";
  if (key === "uid" || key === "gid") return "a number";
  return "a number with an optional k, m or g suffix (size also takes a % of memory)";
}

/** Docker's rendering of TmpfsOptions.SizeBytes: the largest of g, m, k that divides it evenly. */
export function sizeOption(bytes: number): string {
  for (const [suffix, divisor] of [["g", 2 ** 30], ["m", 2 ** 20], ["k", 2 ** 10]] as const) {
    if (bytes % divisor === 0) return `size=${bytes / divisor}${suffix}`;
  }
  return `size=${bytes}`;
}
