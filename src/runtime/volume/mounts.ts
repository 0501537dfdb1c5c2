// A container's mounts from everything the API lets a client ask for, validated with dockerd's messages and
// put in the order they must be mounted. Pure: nothing here touches the disk (see setup.ts for that).
//
//   planMounts({ Binds, Mounts, Tmpfs, Volumes }) → PlannedMount[]
//
// - Binds: `/host:/path[:mode]` binds a host path (a missing one is created at start, as dockerd does);
//   `name:/path[:mode]` mounts the named volume (created when missing); `/path` alone is an anonymous volume.
//   mode is a comma list of at most one each of: ro|rw, z|Z, nocopy, a propagation (rprivate, rshared...),
//   a consistency (consistent, cached, delegated).
// - Mounts: entries of type bind (the source must exist unless BindOptions.CreateMountpoint), volume
//   (no Source: anonymous; VolumeOptions NoCopy, Subpath, Labels, DriverConfig) and tmpfs (TmpfsOptions
//   SizeBytes, Mode).
// - Tmpfs: target → option string (`size=64m,exec`), over Docker's defaults noexec, nosuid, nodev.
// - Volumes (Config.Volumes, the image's VOLUMEs merged with the request's): an anonymous volume for every
//   path nothing else is mounted on.
// Two mounts on one path are an error. The result is sorted parents first (stable), so /data is mounted
// before /data/cache whatever order they were given in.
import { posix } from "node:path";
import { invalid } from "../image/errors.js";
import { CONTAINER_TMPFS_DEFAULTS, sizeOption, tmpfsOptions } from "./tmpfs-options.js";

export type Propagation = "private" | "rprivate" | "shared" | "rshared" | "slave" | "rslave";

/** One entry of HostConfig.Mounts as the API sends it. */
export interface MountConfig {
  Type?: string;
  Source?: string;
  Target?: string;
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: { Propagation?: string; CreateMountpoint?: boolean; NonRecursive?: boolean } | null;
  VolumeOptions?: {
    NoCopy?: boolean;
    Labels?: Record<string, string> | null;
    DriverConfig?: { Name?: string; Options?: Record<string, string> | null } | null;
    Subpath?: string;
  } | null;
  TmpfsOptions?: { SizeBytes?: number; Mode?: number } | null;
}

/** The parts of a container create request that say what to mount. */
export interface MountSources {
  Binds?: readonly string[] | null;
  Mounts?: readonly MountConfig[] | null;
  Tmpfs?: Readonly<Record<string, string>> | null;
  Volumes?: Readonly<Record<string, unknown>> | null;
}

interface PlannedCommon {
  /** Absolute and clean: no trailing slash, no `.` or `..`. */
  target: string;
  readOnly: boolean;
  /** The Binds mode as given ("ro,z"), "z" for a named volume from Binds with none, else "": inspect's Mode. */
  mode: string;
}

export interface BindPlan extends PlannedCommon {
  type: "bind";
  source: string;
  propagation: Propagation;
  /** Create a missing source directory at start (Binds, or Mounts with CreateMountpoint). */
  createSource: boolean;
}

export interface VolumePlan extends PlannedCommon {
  type: "volume";
  /** Undefined for an anonymous volume. */
  name?: string;
  driver: string;
  driverOptions: Record<string, string>;
  labels: Record<string, string>;
  /** Do not fill an empty volume from the image. */
  noCopy: boolean;
  /** A path inside the volume to mount instead of its root; "" for the root. */
  subpath: string;
}

export interface TmpfsPlan extends PlannedCommon {
  type: "tmpfs";
  /** berth-monitor's tmpfs options: flags, then size=, mode=... */
  options: string[];
}

export type PlannedMount = BindPlan | VolumePlan | TmpfsPlan;

const PROPAGATIONS: readonly Propagation[] = ["private", "rprivate", "shared", "rshared", "slave", "rslave"];
const DEFAULT_PROPAGATION: Propagation = "rprivate";
const MODE_GROUPS: readonly (readonly string[])[] = [["rw", "ro"], ["z", "Z"], PROPAGATIONS, ["nocopy"], ["consistent", "cached", "delegated"]];

export function planMounts(sources: MountSources): PlannedMount[] {
  const planned: PlannedMount[] = [];
  const targets = new Set<string>();
  const add = (mount: PlannedMount) => {
    if (targets.has(mount.target)) throw invalid(`Duplicate mount point: ${mount.target}`);
    targets.add(mount.target);
    planned.push(mount);
  };
  for (const raw of sources.Binds ?? []) add(parseBind(raw));
  for (const mount of sources.Mounts ?? []) add(fromMountConfig(mount));
  for (const [target, options] of Object.entries(sources.Tmpfs ?? {})) {
    checkTarget(target);
    add({ type: "tmpfs", target: clean(target), readOnly: false, mode: "", options: tmpfsOptions(options, CONTAINER_TMPFS_DEFAULTS) });
  }
  for (const path of Object.keys(sources.Volumes ?? {})) {
    checkTarget(path);
    if (targets.has(clean(path))) continue;
    add(anonymousVolume(clean(path)));
  }
  return mountOrder(planned);
}

/** Parents first, otherwise as given (the sort is stable): the order in which mounts must be made. */
export function mountOrder<T extends { target: string }>(mounts: readonly T[]): T[] {
  return [...mounts].sort((a, b) => depth(a.target) - depth(b.target));
}

/** One `Binds` entry; errors are dockerd's `invalid volume specification: '<raw>'...`. */
export function parseBind(raw: string): PlannedMount {
  const parts = raw.split(":");
  if (parts[0] === "" || parts.length > 3) throw invalid(`invalid volume specification: '${raw}'`);
  // `/data:ro` would be a volume without a name: dockerd reads the pair as source and target, then refuses.
  if (parts.length === 2 && validMode(parts[1]!)) throw invalid(`invalid volume specification: '${raw}'`);
  const [first, second, mode = ""] = parts as [string, string | undefined, string | undefined];
  if (!validMode(mode)) throw invalid(`invalid mode: ${mode}`);
  const options = mode.split(",");
  const propagation = PROPAGATIONS.find((p) => options.includes(p));
  const config: MountConfig = {
    Type: second === undefined ? "volume" : posix.isAbsolute(first) ? "bind" : "volume",
    Source: second === undefined ? "" : first,
    Target: second ?? first,
    ReadOnly: options.includes("ro"),
    ...(propagation && { BindOptions: { Propagation: propagation } }),
    ...(options.includes("nocopy") && { VolumeOptions: { NoCopy: true } }),
  };
  let mount: PlannedMount;
  try {
    mount = fromMountConfig(config);
  } catch (err) {
    throw invalid(`invalid volume specification: '${raw}': ${(err as Error).message}`);
  }
  if (mount.type === "bind") return { ...mount, mode, createSource: true };
  return { ...mount, mode: mode === "" && mount.type === "volume" && mount.name !== undefined ? "z" : mode };
}

function validMode(mode: string): boolean {
  if (mode === "") return true;
  const options = mode.split(",");
  return (
    options.every((o) => MODE_GROUPS.some((group) => group.includes(o))) &&
    MODE_GROUPS.every((group) => options.filter((o) => group.includes(o)).length <= 1)
  );
}

/** dockerd's validateMountConfig, then the plan for one Mounts entry. */
function fromMountConfig(m: MountConfig): PlannedMount {
  const type = m.Type ?? "";
  const fail = (reason: string) => invalid(`invalid mount config for type "${type}": ${reason}`);
  if (!m.Target) throw fail("field Target must not be empty");
  const targetError = targetProblem(m.Target);
  if (targetError) throw fail(targetError);
  const target = clean(m.Target);
  const readOnly = m.ReadOnly ?? false;
  switch (type) {
    case "bind": {
      if (!m.Source) throw fail("field Source must not be empty");
      const propagation = m.BindOptions?.Propagation || DEFAULT_PROPAGATION;
      if (!PROPAGATIONS.includes(propagation as Propagation)) throw fail(`invalid propagation mode: ${propagation}`);
      if (m.VolumeOptions) throw fail("field VolumeOptions must not be specified");
      if (m.TmpfsOptions) throw fail("field TmpfsOptions must not be specified");
      if (!posix.isAbsolute(m.Source)) throw fail(`invalid mount path: '${m.Source}' mount path must be absolute`);
      const createSource = m.BindOptions?.CreateMountpoint ?? false;
      return { type, source: clean(m.Source), target, readOnly, mode: "", propagation: propagation as Propagation, createSource };
    }
    case "volume": {
      if (m.BindOptions) throw fail("field BindOptions must not be specified");
      if (m.TmpfsOptions) throw fail("field TmpfsOptions must not be specified");
      const anonymous = !m.Source;
      const subpath = m.VolumeOptions?.Subpath ?? "";
      if (subpath !== "" && anonymous) throw fail("must not set Subpath when using anonymous volumes");
      if (subpath !== "" && !isLocal(subpath)) throw fail("subpath must be a relative path within the volume");
      if (readOnly && anonymous) throw fail("must not set ReadOnly mode when using anonymous volumes");
      return {
        type,
        ...(!anonymous && { name: m.Source }),
        target,
        readOnly,
        mode: "",
        driver: m.VolumeOptions?.DriverConfig?.Name || "local",
        driverOptions: { ...m.VolumeOptions?.DriverConfig?.Options },
        labels: { ...m.VolumeOptions?.Labels },
        noCopy: m.VolumeOptions?.NoCopy ?? false,
        subpath: subpath === "" ? "" : posix.normalize(subpath),
      };
    }
    case "tmpfs": {
      if (m.BindOptions) throw fail("field BindOptions must not be specified");
      if (m.Source) throw fail("field Source must not be specified");
      if (m.VolumeOptions) throw fail("field VolumeOptions must not be specified");
      const size = m.TmpfsOptions?.SizeBytes ?? 0;
      const mode = m.TmpfsOptions?.Mode ?? 0;
      if (!Number.isSafeInteger(size) || size < 0) throw fail(`invalid TmpfsOptions.SizeBytes ${size}: expected a number of bytes`);
      if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) throw fail(`invalid TmpfsOptions.Mode ${mode}: expected permission bits, at most 0o7777`);
      const given = [...(readOnly ? ["ro"] : []), ...(mode ? [`mode=${mode.toString(8)}`] : []), ...(size ? [sizeOption(size)] : [])];
      return { type, target, readOnly, mode: "", options: tmpfsOptions(given.join(","), CONTAINER_TMPFS_DEFAULTS) };
    }
    default:
      throw fail("mount type unknown: valid types are bind, volume and tmpfs");
  }
}

function anonymousVolume(target: string): VolumePlan {
  return { type: "volume", target, readOnly: false, mode: "", driver: "local", driverOptions: {}, labels: {}, noCopy: false, subpath: "" };
}

/** dockerd's checks of a container path: absolute, and not the root. */
function targetProblem(target: string): string | undefined {
  if (clean(target) === "/") return "invalid specification: destination can't be '/'";
  if (!posix.isAbsolute(target)) return `invalid mount path: '${target}' mount path must be absolute`;
  return undefined;
}

function checkTarget(target: string): void {
  const problem = targetProblem(target);
  if (problem) throw invalid(problem);
}

function clean(path: string): string {
  const normalized = posix.normalize(path);
  return normalized.length > 1 ? normalized.replace(/\/+$/, "") : normalized;
}

/** Go's filepath.IsLocal: relative, and stays inside its base. */
function isLocal(path: string): boolean {
  if (posix.isAbsolute(path)) return false;
  const normalized = posix.normalize(path);
  return normalized !== ".." && !normalized.startsWith("../");
}

function depth(target: string): number {
  return target.split("/").length;
}
