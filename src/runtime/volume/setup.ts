// A container's planned mounts (mounts.ts) made real, in two steps as dockerd takes them:
//   createMounts  at container create: named volumes created when missing, anonymous ones made and named,
//                 Mounts' bind sources checked. The result is what the container record keeps.
//   startMounts   at every start: bind sources created (Binds) or checked (Mounts), volumes filled from the
//                 image when empty (copy-up), and the list of binds and tmpfs for berth-monitor, in mount
//                 order (so that a bind below a tmpfs, or a tmpfs below a bind, is mounted after its parent).
// inspectMounts gives the record's mounts in the shape of Docker's container inspect `Mounts`.
import { lstatSync, mkdirSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { invalid } from "../image/errors.js";
import type { SpecMount } from "../native.js";
import { copyUp } from "./copy-up.js";
import { checkDevice } from "./local-driver.js";
import type { BindPlan, PlannedMount, TmpfsPlan, VolumePlan } from "./mounts.js";
import type { Volume, VolumeStore } from "./store.js";

/** A planned mount with every volume named: anonymous volumes got theirs at create. */
export type ContainerMount = BindPlan | TmpfsPlan | (VolumePlan & { name: string });

/** One mount for berth-monitor, in mount order. */
export type RuntimeMount = SpecMount & { options: string[] };

/** One entry of container inspect's `Mounts`. */
export interface MountPoint {
  Type: "bind" | "volume" | "tmpfs";
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

/**
 * Creates the volumes `plan` names (if missing) and its anonymous volumes; `onCreated` hears of each new
 * one. On failure the anonymous volumes made so far are removed again (no one else knows their names).
 * Anonymous volumes record `containerId` until the store hears that the container exists (`store.created`),
 * so that a crash before that leaves nothing behind after the next start.
 */
export async function createMounts(
  plan: readonly PlannedMount[],
  store: VolumeStore,
  onCreated: (volume: Volume) => void = () => {},
  containerId?: string,
): Promise<ContainerMount[]> {
  for (const mount of plan) if (mount.type === "bind" && !mount.createSource) checkBindSource(mount);
  const created: Volume[] = [];
  const mounts: ContainerMount[] = [];
  try {
    for (const mount of plan) {
      if (mount.type !== "volume") {
        mounts.push(mount);
        continue;
      }
      const request = { Name: mount.name, Driver: mount.driver, DriverOpts: mount.driverOptions, Labels: mount.labels };
      const anonymous = mount.name === undefined;
      const result = await store.create(request, { anonymous, ...(anonymous && containerId !== undefined && { createdFor: containerId }) });
      if (result.created) created.push(result.volume);
      mounts.push({ ...mount, name: result.volume.Name });
    }
  } catch (err) {
    for (const volume of created) if (volume.anonymous) await store.remove(volume.Name, { force: true });
    for (const volume of created) if (!volume.anonymous) onCreated(volume);
    throw err;
  }
  created.forEach(onCreated);
  return mounts;
}

/** The names of the volumes a container's mounts use: what the store's `inUse` looks for. */
export function volumeNames(mounts: readonly ContainerMount[]): string[] {
  return mounts.flatMap((m) => (m.type === "volume" ? [m.name] : []));
}

/** Prepares the host side of each mount and lists them for the monitor; `lowerDirs` are the image's layers, topmost first. */
/** A Binds source that is missing becomes a directory, as in dockerd; an existing file is bound as it is. */
function makeSourceDirectory(source: string): void {
  try {
    mkdirSync(source, { recursive: true, mode: 0o755 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
}

export async function startMounts(mounts: readonly ContainerMount[], store: VolumeStore, lowerDirs: readonly string[]): Promise<RuntimeMount[]> {
  const runtime: RuntimeMount[] = [];
  for (const mount of mounts) {
    if (mount.type === "tmpfs") {
      runtime.push({ kind: "tmpfs", target: mount.target, options: mount.options });
    } else if (mount.type === "bind") {
      if (mount.createSource) makeSourceDirectory(mount.source);
      else checkBindSource(mount);
      runtime.push({ kind: "bind", source: mount.source, target: mount.target, options: bindOptions(mount.readOnly, mount.propagation) });
    } else {
      runtime.push(await volumeMount(mount, store.get(mount.name), lowerDirs));
    }
  }
  return runtime;
}

async function volumeMount(mount: VolumePlan & { name: string }, volume: Volume, lowerDirs: readonly string[]): Promise<RuntimeMount> {
  const { backing } = volume;
  if (backing.kind === "tmpfs") {
    return { kind: "tmpfs", target: mount.target, options: [...(mount.readOnly ? ["ro"] : []), ...backing.options] };
  }
  checkDevice(backing);
  // A host directory bound read-only is not berth's to write, not even to fill it from the image.
  const writable = backing.kind === "directory" || !backing.readOnly;
  if (writable && !mount.noCopy && mount.subpath === "") await copyUp(lowerDirs, mount.target, volume.Mountpoint);
  if (mount.subpath !== "") checkSubpath(volume, mount.subpath);
  const readOnly = mount.readOnly || (backing.kind === "bind" && backing.readOnly);
  // The volume's own path is resolved here, once (a bind volume's device as Docker resolves it); below it,
  // nofollow makes the monitor refuse any symlink, so one a container slips into the subpath after the check
  // above cannot point the mount elsewhere.
  const source = join(realpathSync(volume.Mountpoint), mount.subpath);
  return { kind: "bind", source, target: mount.target, options: [...bindOptions(readOnly, "rprivate"), "nofollow"] };
}

/**
 * A volume's subpath must exist, and no part of it may be a symlink: a container that can write the volume
 * could otherwise point the mount anywhere on the host.
 */
function checkSubpath(volume: Volume, subpath: string): void {
  let path = volume.Mountpoint;
  for (const part of subpath.split("/").filter((p) => p !== "" && p !== ".")) {
    path = join(path, part);
    const stat = lstatSync(path, { throwIfNoEntry: false });
    if (stat === undefined) throw invalid(`invalid mount config for type "volume": subpath "${subpath}" does not exist in volume "${volume.Name}"`);
    if (stat.isSymbolicLink()) {
      throw invalid(`invalid mount config for type "volume": subpath "${subpath}" of volume "${volume.Name}" passes through a symlink; give the real path`);
    }
  }
}

function checkBindSource(mount: BindPlan): void {
  if (lstatSync(mount.source, { throwIfNoEntry: false }) === undefined) {
    throw invalid(`invalid mount config for type "bind": bind source path does not exist: ${mount.source}`);
  }
}

function bindOptions(readOnly: boolean, propagation: string): string[] {
  return [...(readOnly ? ["ro"] : []), propagation];
}

/** Container inspect's `Mounts`: Docker's MountPoint for each of a container's mounts. */
export function inspectMounts(mounts: readonly ContainerMount[], store: VolumeStore): MountPoint[] {
  return mounts.map((m): MountPoint => {
    const common = { Destination: m.target, Mode: m.mode, RW: !m.readOnly };
    if (m.type === "bind") return { Type: "bind", Source: m.source, ...common, Propagation: m.propagation };
    if (m.type === "tmpfs") return { Type: "tmpfs", Source: "", ...common, Propagation: "" };
    const source = store.find(m.name)?.Mountpoint ?? "";
    return { Type: "volume", Name: m.name, Source: source, Driver: m.driver, ...common, Propagation: "" };
  });
}
