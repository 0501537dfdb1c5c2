// The `local` volume driver's options (DriverOpts), checked as Docker's local driver checks them, and what
// each kind of volume is backed by. berth supports a plain directory in the store (no options), a host
// directory in its place (type=none, o=bind, device=/path) and a tmpfs made afresh at every container start.
import { statSync } from "node:fs";
import { isAbsolute } from "node:path";
import { invalid } from "../image/errors.js";
import { tmpfsOptions } from "./tmpfs-options.js";

export type LocalBacking =
  /** `_data` in the volume's directory under the store. */
  | { kind: "directory" }
  /** A host directory, bound into containers in place of `_data`; removing the volume never touches it. */
  | { kind: "bind"; device: string; readOnly: boolean }
  /** A fresh tmpfs for each container; its content goes with the container. */
  | { kind: "tmpfs"; options: string[] };

const VALID_OPTIONS = ["type", "device", "o", "size"];
/** An option that names another one it needs, as Docker's `mandatoryOpts`. */
const NEEDS: Record<string, string> = { device: "type", type: "device", o: "device" };
const BIND_FLAGS = new Set(["bind", "rbind", "ro", "rw"]);

export function localBacking(options: Readonly<Record<string, string>>): LocalBacking {
  for (const key of Object.keys(options)) {
    if (!VALID_OPTIONS.includes(key)) throw invalid(`invalid option: "${key}": the local driver takes ${VALID_OPTIONS.join(", ")}`);
  }
  for (const [key, needed] of Object.entries(NEEDS)) {
    if (key in options && !(needed in options)) throw invalid(`missing required option: "${needed}"`);
  }
  if ("size" in options) {
    throw invalid(`quota size requested but no quota support: berth's local driver has no quotas; for a size-limited volume use type=tmpfs with o=size=...`);
  }
  const type = options.type;
  if (type === undefined) return { kind: "directory" };
  if (type === "tmpfs") return { kind: "tmpfs", options: tmpfsOptions(options.o ?? "") };
  const flags = (options.o ?? "").split(",").filter(Boolean);
  if (type === "none" && (flags.includes("bind") || flags.includes("rbind"))) return bindBacking(options.device!, flags);
  throw invalid(
    `berth's local driver cannot mount type=${type}${options.o ? ` with o=${options.o}` : ""}: ` +
      `it supports type=none with o=bind and device=/host/dir, and type=tmpfs with device=tmpfs`,
  );
}

function bindBacking(device: string, flags: string[]): LocalBacking {
  const unknown = flags.find((flag) => !BIND_FLAGS.has(flag));
  if (unknown !== undefined) throw invalid(`invalid bind option "${unknown}" in o=${flags.join(",")}: valid are ${[...BIND_FLAGS].join(", ")}`);
  if (!isAbsolute(device)) throw invalid(`invalid device "${device}" for o=bind: it must be an absolute path of a host directory`);
  return { kind: "bind", device, readOnly: flags.includes("ro") };
}

/** A bind volume's host directory must exist when the volume is created and whenever it is mounted. */
export function checkDevice(backing: LocalBacking): void {
  if (backing.kind !== "bind") return;
  const stat = statSync(backing.device, { throwIfNoEntry: false });
  if (stat === undefined) throw invalid(`invalid device "${backing.device}" for o=bind: no such directory on the host; create it first`);
  if (!stat.isDirectory()) throw invalid(`invalid device "${backing.device}" for o=bind: it is not a directory`);
}
