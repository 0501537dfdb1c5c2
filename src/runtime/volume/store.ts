// Volume records and their data. Layout under the store's root:
//   <name>/volume.json   the record (written before the directory gets its name, so it is never missing)
//   <name>/_data/        the data of a plain local volume (empty and unused for bind and tmpfs volumes)
//   .creating-<random>/  a volume being created; renamed to <name> in one step
//   .removing-<random>/  a volume being removed: renamed away first, so it disappears in one step
// Leftover .creating-/.removing- directories of a crash are deleted at open. An anonymous volume made for a
// container being created records that container (`CreatedFor`) until the container exists; one whose
// container never came to exist (a crash in between) is removed by `finishCreations` at the next start —
// no one else knows its name. Nothing else ever deletes data.
import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../state/atomic.js";
import { conflict, invalid, notFound } from "../image/errors.js";
import { log } from "../../engine/log.js";
import { checkDevice, localBacking, type LocalBacking } from "./local-driver.js";

/** Docker marks anonymous volumes with this label; prune without `all` removes only those. */
export const ANONYMOUS_LABEL = "com.docker.volume.anonymous";

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const RECORD_FILE = "volume.json";
const CREATING = ".creating-";
const REMOVING = ".removing-";

/** What volume.json holds. */
interface VolumeRecord {
  Name: string;
  Driver: "local";
  CreatedAt: string;
  Labels: Record<string, string>;
  /** The DriverOpts it was created with. */
  Options: Record<string, string>;
  /** An anonymous volume's container while that is being created (berth's own; not in the API). */
  CreatedFor?: string;
}

export interface Volume extends Readonly<VolumeRecord> {
  /** Where its data is on the host: `_data`, the bound host directory, or "" for tmpfs (no data on the host). */
  readonly Mountpoint: string;
  readonly Scope: "local";
  readonly backing: LocalBacking;
  readonly anonymous: boolean;
}

export interface CreateRequest {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

/** `GET /volumes` filters; absent keys do not filter. */
export interface ListFilters {
  /** Substrings of the name; any one matches. */
  name?: string[];
  /** `key` or `key=value`; all must match. */
  label?: string[];
  driver?: string[];
  /** true: only volumes no container uses; false: only used ones. */
  dangling?: boolean;
}

export interface PruneOptions {
  /** Also named volumes, not only anonymous ones. */
  all?: boolean;
  /** `key` or `key=value` that must match (`label`) or must not (`label!`). */
  label?: string[];
  labelNot?: string[];
}

export interface StoreOptions {
  /** Ids of the containers (running or not) whose mounts name this volume. */
  inUse: (name: string) => string[];
  /** Bytes a volume's data takes, for prune's SpaceReclaimed. */
  size?: (volume: Volume) => Promise<number>;
}

export class VolumeStore {
  readonly #root: string;
  readonly #options: StoreOptions;
  readonly #volumes = new Map<string, Volume>();
  /** Creations and removals run one at a time, so a name is never created twice or removed while created. */
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(root: string, options: StoreOptions) {
    this.#root = root;
    this.#options = options;
  }

  static async open(root: string, options: StoreOptions): Promise<VolumeStore> {
    const store = new VolumeStore(root, options);
    await mkdir(root, { recursive: true, mode: 0o700 });
    for (const entry of await readdir(root)) {
      if (entry.startsWith(CREATING) || entry.startsWith(REMOVING)) await rm(join(root, entry), { recursive: true, force: true });
      else if (NAME.test(entry)) await store.#load(entry);
    }
    return store;
  }

  /**
   * Docker's create: a new volume, or the existing one of that name (its options and labels unchanged).
   * An empty name gets a random 64-hex one. `created` tells whether it is new.
   */
  async create(request: CreateRequest, options: { anonymous?: boolean; createdFor?: string } = {}): Promise<{ volume: Volume; created: boolean }> {
    const driver = request.Driver || "local";
    if (driver !== "local") throw notFound(`error looking up volume plugin ${driver}: plugin "${driver}" not found`);
    const name = request.Name || randomBytes(32).toString("hex");
    validateName(name);
    const driverOptions = { ...request.DriverOpts };
    checkDevice(localBacking(driverOptions));
    return this.#serial(async () => {
      const existing = this.#volumes.get(name);
      if (existing) return { volume: existing, created: false };
      const record: VolumeRecord = {
        Name: name,
        Driver: "local",
        CreatedAt: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
        Labels: { ...request.Labels, ...(options.anonymous && { [ANONYMOUS_LABEL]: "" }) },
        Options: driverOptions,
        ...(options.createdFor !== undefined && { CreatedFor: options.createdFor }),
      };
      const staging = join(this.#root, `${CREATING}${randomBytes(8).toString("hex")}`);
      try {
        await mkdir(join(staging, "_data"), { recursive: true, mode: 0o755 });
        await writeFileAtomic(join(staging, RECORD_FILE), JSON.stringify(record, null, 2) + "\n", 0o600);
        await rename(staging, join(this.#root, name));
        await syncDirectory(this.#root);
      } catch (err) {
        await rm(staging, { recursive: true, force: true });
        throw err;
      }
      const volume = this.#toVolume(record);
      this.#volumes.set(name, volume);
      return { volume, created: true };
    });
  }

  /** The volume of that name; NotFound otherwise, with Docker's message. */
  get(name: string): Volume {
    const volume = this.#volumes.get(name);
    if (!volume) throw notFound(`get ${name}: no such volume`);
    return volume;
  }

  /** The volume of that name, if there is one. */
  find(name: string): Volume | undefined {
    return this.#volumes.get(name);
  }

  /** Matching volumes, by name. */
  list(filters: ListFilters = {}): Volume[] {
    const sorted = [...this.#volumes.values()].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
    return sorted.filter(
      (v) =>
        (filters.name === undefined || filters.name.some((part) => v.Name.includes(part))) &&
        (filters.driver === undefined || filters.driver.includes(v.Driver)) &&
        (filters.label ?? []).every((wanted) => hasLabel(v.Labels, wanted)) &&
        (filters.dangling === undefined || filters.dangling === (this.#options.inUse(v.Name).length === 0)),
    );
  }

  /**
   * Removes a volume and its data (a bound host directory is left alone). Refused with Conflict while a
   * container uses it; `force` only turns "no such volume" into success.
   */
  async remove(name: string, options: { force?: boolean } = {}): Promise<boolean> {
    return this.#serial(async () => {
      const volume = this.#volumes.get(name);
      if (!volume) {
        if (options.force) return false;
        throw notFound(`get ${name}: no such volume`);
      }
      const users = this.#options.inUse(name);
      if (users.length > 0) throw conflict(`remove ${name}: volume is in use - [${users.join(", ")}]`);
      await this.#delete(volume);
      return true;
    });
  }

  /** Removes unused volumes: anonymous ones, or all with `all`, that match the label filters. */
  async prune(options: PruneOptions = {}): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }> {
    return this.#serial(async () => {
      const deleted: string[] = [];
      let reclaimed = 0;
      for (const volume of this.#volumes.values()) {
        if (!options.all && !volume.anonymous) continue;
        if (volume.CreatedFor !== undefined) continue; // its container is being created and will use it
        if (!(options.label ?? []).every((wanted) => hasLabel(volume.Labels, wanted))) continue;
        if ((options.labelNot ?? []).some((unwanted) => hasLabel(volume.Labels, unwanted))) continue;
        if (this.#options.inUse(volume.Name).length > 0) continue;
        reclaimed += volume.backing.kind === "directory" ? ((await this.#options.size?.(volume)) ?? 0) : 0;
        await this.#delete(volume);
        deleted.push(volume.Name);
      }
      return { VolumesDeleted: deleted, SpaceReclaimed: reclaimed };
    });
  }

  /** The container `containerId` now exists: its anonymous volumes `names` stop recording it. */
  async created(containerId: string, names: readonly string[]): Promise<void> {
    return this.#serial(async () => {
      for (const name of names) {
        const volume = this.#volumes.get(name);
        if (volume?.CreatedFor === containerId) await this.#rewrite(volume, { CreatedFor: undefined });
      }
    });
  }

  /**
   * At start-up, once the containers are known: an anonymous volume still recording the container it was
   * made for is removed when that container does not exist and no container uses the volume (a crash
   * during the container's creation left it), else it just stops recording it. Returns the removed names.
   */
  async finishCreations(containerExists: (id: string) => boolean, users: (name: string) => string[]): Promise<string[]> {
    return this.#serial(async () => {
      const removed: string[] = [];
      for (const volume of [...this.#volumes.values()]) {
        if (volume.CreatedFor === undefined) continue;
        if (containerExists(volume.CreatedFor) || users(volume.Name).length > 0) {
          await this.#rewrite(volume, { CreatedFor: undefined });
        } else {
          log("info", `anonymous volume ${volume.Name} is removed: its container ${volume.CreatedFor} was never created (berthd stopped meanwhile)`);
          await this.#delete(volume);
          removed.push(volume.Name);
        }
      }
      return removed;
    });
  }

  /** Writes the record with `changes` (an undefined value drops the key) and updates the volume. */
  async #rewrite(volume: Volume, changes: Partial<VolumeRecord>): Promise<void> {
    const record: VolumeRecord = { Name: volume.Name, Driver: volume.Driver, CreatedAt: volume.CreatedAt, Labels: volume.Labels, Options: volume.Options, ...changes };
    if (record.CreatedFor === undefined) delete record.CreatedFor;
    await writeFileAtomic(join(this.#root, volume.Name, RECORD_FILE), JSON.stringify(record, null, 2) + "\n", 0o600);
    this.#volumes.set(volume.Name, this.#toVolume(record));
  }

  async #delete(volume: Volume): Promise<void> {
    const doomed = join(this.#root, `${REMOVING}${randomBytes(8).toString("hex")}`);
    await rename(join(this.#root, volume.Name), doomed);
    await syncDirectory(this.#root);
    this.#volumes.delete(volume.Name);
    await rm(doomed, { recursive: true, force: true });
  }

  /** A record that cannot be read is skipped and reported, never deleted: its data stays for a person to rescue. */
  async #load(name: string): Promise<void> {
    const path = join(this.#root, name, RECORD_FILE);
    try {
      this.#volumes.set(name, this.#toVolume(JSON.parse(await readFile(path, "utf8")) as VolumeRecord));
    } catch (err) {
      log("warn", `volume ${name} is skipped: ${path} cannot be read: ${(err as Error).message}`);
    }
  }

  #toVolume(record: VolumeRecord): Volume {
    const backing = localBacking(record.Options);
    const mountpoint =
      backing.kind === "bind" ? backing.device : backing.kind === "tmpfs" ? "" : join(this.#root, record.Name, "_data");
    return { ...record, Mountpoint: mountpoint, Scope: "local", backing, anonymous: ANONYMOUS_LABEL in record.Labels };
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}

/** Makes renames in `dir` durable: a volume that was reported created (or removed) stays so after a power cut. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function validateName(name: string): void {
  if (name.length === 1) throw invalid("volume name is too short, names should be at least two alphanumeric characters");
  if (!NAME.test(name)) {
    throw invalid(
      `"${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. ` +
        "If you intended to pass a host directory, use absolute path",
    );
  }
}

function hasLabel(labels: Readonly<Record<string, string>>, wanted: string): boolean {
  const eq = wanted.indexOf("=");
  const key = eq < 0 ? wanted : wanted.slice(0, eq);
  return Object.hasOwn(labels, key) && (eq < 0 || labels[key] === wanted.slice(eq + 1));
}
