// The image store berthd serves images from. Layout under its root:
//   blobs/sha256/<hex>    configs and layer blobs, content-addressed
//   layers/<diff id hex>/ unpacked layers, shared by all images that have them
//   images/index.json     the image records: id, layers, tags (written atomically)
//   tmp/                  staging for loads and unpacks; emptied at open, so a crash leaves nothing behind
import { mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { Readable, type Writable } from "node:stream";
import { writeFileAtomic } from "../../state/atomic.js";
import { readArchive, writeArchive, type ArchiveImage, type SavedImage } from "./archive.js";
import { BlobStore } from "./blobs.js";
import { openLayerTar } from "./compression.js";
import { parseImageConfig, type ImageConfig } from "./config.js";
import { hexOf, shortId } from "./digest.js";
import { conflict, invalid, notFound, EngineError } from "./errors.js";
import { hostImage, type BuiltinImage } from "./host-image.js";
import { toHistory, toInspect, toSummary, type HistoryItem, type ImageInspect, type ImageSummary } from "./inspect.js";
import { LayerStore } from "./layers.js";
import type { ImageRecord, IndexFile, LayerRecord } from "./records.js";
import { familiarDigest, normalizeTag, parseReference } from "./reference.js";

export interface StoreOptions {
  /** How many containers use an image; an image in use is never deleted. */
  containersUsing?: (imageId: string) => number;
  /** Install berth/host:latest (default true). */
  hostImage?: boolean;
}

/** How to build a container's root from an image. */
export interface RootfsPlan {
  /** Unpacked layers for overlayfs `lowerdir=`, topmost first. */
  lowerDirs: string[];
  /** Host directories to bind read-only over the overlay, in this order (berth/host's /usr). */
  binds: { source: string; target: string }[];
}

export interface LoadedImage {
  id: string;
  tags: string[];
}

/** One line of `DELETE /images/{name}`'s answer. */
export type DeleteItem = { Untagged: string } | { Deleted: string };

const FULL_ID = /^(?:sha256:)?([a-f0-9]{64})$/;
const ID_PREFIX = /^(?:sha256:)?([a-f0-9]{1,63})$/;

export class ImageStore {
  readonly #indexPath: string;
  readonly #tmp: string;
  readonly #blobs: BlobStore;
  readonly #layers: LayerStore;
  readonly #containersUsing: (imageId: string) => number;
  readonly #records = new Map<string, ImageRecord>();
  readonly #configs = new Map<string, ImageConfig>();
  /** Blobs and layers a load in flight has stored but not yet recorded: prune must leave them alone. */
  readonly #pins = new Map<string, number>();
  /** Index changes run one at a time, so each write starts from the previous one's result. */
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(root: string, options: StoreOptions) {
    this.#indexPath = join(root, "images", "index.json");
    this.#tmp = join(root, "tmp");
    this.#blobs = new BlobStore(root, this.#tmp);
    this.#layers = new LayerStore(root, this.#tmp);
    this.#containersUsing = options.containersUsing ?? (() => 0);
  }

  static async open(root: string, options: StoreOptions = {}): Promise<ImageStore> {
    const store = new ImageStore(root, options);
    await rm(store.#tmp, { recursive: true, force: true });
    await mkdir(store.#tmp, { recursive: true, mode: 0o700 });
    await mkdir(join(root, "images"), { recursive: true, mode: 0o700 });
    await store.#blobs.init();
    await store.#layers.init();
    await store.#readIndex();
    // Whatever a crashed load stored but never recorded goes now.
    await store.#serial(() => store.#prune());
    if (options.hostImage !== false) await store.#installBuiltin(await hostImage());
    return store;
  }

  async list(): Promise<ImageSummary[]> {
    const summaries = [];
    const parents = new Set([...this.#records.values()].map((record) => record.parent));
    for (const record of this.#records.values()) {
      // As dockerd's list without all=1: a build's intermediate images (untagged, with children) are left out.
      if (record.repoTags.length === 0 && parents.has(record.id)) continue;
      summaries.push(toSummary(record, await this.#config(record), this.#containersUsing(record.id)));
    }
    return summaries.sort((a, b) => b.Created - a.Created);
  }

  /** How many images there are (docker info's Images). */
  count(): number {
    return this.#records.size;
  }

  /** The image `ref` names: `name[:tag]`, `name@digest`, a full or short id. */
  get(ref: string): ImageRecord {
    const full = FULL_ID.exec(ref);
    const byId = full && this.#records.get(`sha256:${full[1]}`);
    if (byId) return byId;
    if (!full) {
      const byName = this.#byName(ref);
      if (byName) return byName;
    }
    const prefix = ID_PREFIX.exec(ref);
    if (prefix) {
      const matches = [...this.#records.keys()].filter((id) => hexOf(id).startsWith(prefix[1]!));
      if (matches.length === 1) return this.#records.get(matches[0]!)!;
      if (matches.length > 1) throw invalid(`image id prefix "${ref}" is ambiguous: it matches ${matches.length} images; give more digits`);
    }
    throw notFound(`No such image: ${ref}`);
  }

  async inspect(ref: string): Promise<ImageInspect> {
    const record = this.get(ref);
    return toInspect(record, await this.#config(record), this.rootfs(record.id).lowerDirs);
  }

  /** `docker history`: the steps that made the image, newest first. */
  async history(ref: string): Promise<HistoryItem[]> {
    const record = this.get(ref);
    return toHistory(record, await this.#config(record), (r) => (r.parent === undefined ? undefined : this.#records.get(r.parent)));
  }

  /** The image config (Env, Cmd, Entrypoint, User...) container create starts from. */
  async config(ref: string): Promise<ImageConfig> {
    return this.#config(this.get(ref));
  }

  rootfs(ref: string): RootfsPlan {
    const { layers } = this.get(ref);
    return {
      lowerDirs: layers.flatMap((layer) => (layer.kind === "tar" ? [this.#layers.path(layer.diffId)] : [])).reverse(),
      binds: layers.flatMap((layer) => (layer.kind === "host-bind" ? [{ source: layer.source, target: layer.target }] : [])),
    };
  }

  /** Points `repo[:tag]` at the image `source` names, moving the tag away from any other image. */
  async tag(source: string, repo: string, tag?: string): Promise<void> {
    const name = normalizeTag(tag ? `${repo}:${tag}` : repo);
    await this.#serial(async () => {
      const record = this.get(source);
      this.#moveTags(record, [name], []);
      record.lastTagTime = new Date().toISOString();
      await this.#writeIndex();
    });
  }

  /**
   * Docker's `rmi`: by name, removes that tag, and the image with its last tag; by id, the image. An image
   * containers use is never deleted: with `force` its tag goes and the image stays for them.
   */
  async remove(ref: string, options: { force?: boolean } = {}): Promise<DeleteItem[]> {
    return this.#serial(async () => {
      const record = this.get(ref);
      const short = shortId(record.id);
      const inUse = this.#containersUsing(record.id) > 0;
      const tag = this.#tagNamed(ref, record);
      if (tag !== undefined && (record.repoTags.length > 1 || (inUse && options.force))) {
        record.repoTags = record.repoTags.filter((t) => t !== tag);
        await this.#writeIndex();
        return [{ Untagged: tag }];
      }
      if (inUse) {
        const what = tag !== undefined ? `remove repository reference "${tag}" (must force)` : `delete ${short} (cannot be forced)`;
        throw conflict(`unable to ${what} - image ${short} is being used by a container`);
      }
      if (tag === undefined && record.repoTags.length > 1 && !options.force) {
        throw conflict(`unable to delete ${short} (must be forced) - image is referenced in multiple repositories`);
      }
      if (record.builtin) throw conflict(`unable to delete ${short} - it is berth's built-in image; it is recreated at every start`);
      const items = this.#drop(record);
      await this.#writeIndex();
      await this.#prune();
      return items;
    });
  }

  /**
   * Docker's `image prune`: deletes the images no container uses that `selected` picks. Without `all`, only
   * dangling ones (no tag) that no other image is built on; with it, every such image, children before parents.
   * Returns what was deleted and the bytes of blobs that went with it.
   */
  async prune(options: { all: boolean; selected: (config: ImageConfig) => boolean }): Promise<{ items: DeleteItem[]; reclaimed: number }> {
    return this.#serial(async () => {
      const items: DeleteItem[] = [];
      do {
        const parents = new Set([...this.#records.values()].map((r) => r.parent));
        const victims = [];
        for (const record of this.#records.values()) {
          if (record.builtin || parents.has(record.id) || this.#containersUsing(record.id) > 0) continue;
          if ((options.all || record.repoTags.length === 0) && options.selected(await this.#config(record))) victims.push(record);
        }
        if (victims.length === 0) break;
        for (const record of victims) items.push(...this.#drop(record));
      } while (options.all);
      if (items.length === 0) return { items, reclaimed: 0 };
      await this.#writeIndex();
      return { items, reclaimed: await this.#prune() };
    });
  }

  /** Forgets `record` and the untagged parents only it held; what `DELETE /images` lists for it. */
  #drop(record: ImageRecord): DeleteItem[] {
    this.#records.delete(record.id);
    this.#configs.delete(record.id);
    const parents = this.#removeOrphanedParents(record);
    const untagged = [...record.repoTags, ...record.repoDigests].map((name) => ({ Untagged: name }));
    return [...untagged, ...[record.id, ...parents].map((id) => ({ Deleted: id }))];
  }

  /** As dockerd: the untagged build parents up `record`'s chain that are left without children or containers go with it. */
  #removeOrphanedParents(record: ImageRecord): string[] {
    const removed: string[] = [];
    let parent = record.parent === undefined ? undefined : this.#records.get(record.parent);
    while (parent && parent.repoTags.length === 0 && !parent.builtin && this.#containersUsing(parent.id) === 0) {
      const id = parent.id;
      if ([...this.#records.values()].some((r) => r.parent === id)) break;
      this.#records.delete(id);
      this.#configs.delete(id);
      removed.push(id);
      parent = parent.parent === undefined ? undefined : this.#records.get(parent.parent);
    }
    return removed;
  }

  /** Loads a `docker save` or OCI layout archive. */
  async load(input: Readable): Promise<LoadedImage[]> {
    const staging = await mkdtemp(join(this.#tmp, "load-"));
    try {
      const images = await readArchive(input, staging);
      const loaded = [];
      for (const image of images) loaded.push(await this.#import(image));
      return loaded;
    } catch (err) {
      // Blobs of a rejected image are not referenced by anything now.
      await this.#serial(() => this.#prune());
      throw err;
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /** Whether the blob `digest` is stored: a pull fetches only what is missing. */
  hasBlob(digest: string): Promise<boolean> {
    return this.#blobs.has(digest);
  }

  /** A stored blob's size and a reader of its bytes (a push sends them). */
  async blob(digest: string): Promise<{ size: number; open: () => Readable }> {
    const { size } = await stat(this.#blobs.path(digest));
    return { size, open: () => this.#blobs.open(digest) };
  }

  /** Stores a blob whose bytes must have `digest`; a torn or forged one never appears in the store. */
  async writeBlob(input: Readable, digest: string): Promise<void> {
    await this.#blobs.write(input, digest);
  }

  /** Unpacks the layer in blob `digest`, checking that its content has `diffId` (a pull does it as each layer arrives). */
  async unpack(digest: string, diffId: string): Promise<void> {
    await this.#layers.ensure(this.#blobs.path(digest), diffId);
  }

  /** Runs `work` with the blobs and layers `digests` safe from pruning: while a pull stores what it has not recorded yet, or a push sends it. */
  retain<T>(digests: string[], work: () => Promise<T>): Promise<T> {
    return this.#pinned(digests, work);
  }

  /** Records an image whose config and layer blobs are all in the blob store (a registry pull), unpacking its layers. */
  async addFromBlobs(image: { config: string; layers: string[]; tags: string[]; repoDigests: string[] }): Promise<LoadedImage> {
    const stored = (digest: string) => ({ path: this.#blobs.path(digest), digest, size: 0 });
    return this.#import({ config: stored(image.config), layers: image.layers.map(stored), tags: image.tags, repoDigests: image.repoDigests });
  }

  /** Records that the registry serves image `id` as `repoDigest` (`name@sha256:…`, a push's manifest), as dockerd does. */
  async addRepoDigest(id: string, repoDigest: string): Promise<void> {
    await this.#serial(async () => {
      const record = this.#records.get(id);
      if (!record) return; // deleted while it was pushed
      this.#moveTags(record, [], [repoDigest]);
      await this.#writeIndex();
    });
  }

  /**
   * Records an image a build step made: the layers of `parent` (none for scratch) plus the layer tar `layer`
   * when the step changed files, with `config` (its rootfs.diff_ids are filled in here).
   */
  async addBuilt(image: { parent?: string; layer?: Readable; config: Omit<ImageConfig, "rootfs">; tags: string[] }): Promise<LoadedImage> {
    const layers = image.parent ? [...this.get(image.parent).layers] : [];
    const parent = image.parent && this.get(image.parent).id;
    // The parent's layers stay while this runs: the parent may be deleted meanwhile, this image still needs them.
    const parentKeys = layers.flatMap((layer) => (layer.kind === "tar" ? [layer.diffId, layer.blob] : []));
    return this.#pinned(parentKeys, async () => {
      const blob = image.layer ? await this.#blobs.write(image.layer) : undefined;
      return this.#pinned(blob ? [blob.digest] : [], async () => {
        if (blob) {
          // An uncompressed layer: its diff ID is its blob digest.
          const size = await this.#layers.ensure(this.#blobs.path(blob.digest), blob.digest);
          layers.push({ kind: "tar", diffId: blob.digest, blob: blob.digest, size });
        }
        const config: ImageConfig = { ...image.config, rootfs: { type: "layers", diff_ids: layers.map((layer) => layer.diffId) } };
        // In the index queue, where prunes run: the config blob is recorded before any prune can see it.
        const id = await this.#serial(async () => {
          const { digest } = await this.#blobs.write(Readable.from([Buffer.from(JSON.stringify(config))]));
          await this.#commit({ id: digest, layers, repoTags: image.tags, repoDigests: [], builtin: false, ...(parent && { parent }) });
          return digest;
        });
        return { id, tags: image.tags };
      });
    });
  }

  /** Writes the images `refs` name as one archive; a ref by name saves that tag, by id all tags. */
  async save(refs: string[], out: Writable): Promise<void> {
    const images = new Map<string, SavedImage>();
    for (const ref of refs) {
      const record = this.get(ref);
      const named = this.#tagNamed(ref, record);
      const tags = named !== undefined ? [named] : record.repoTags;
      const known = images.get(record.id);
      if (known) {
        known.tags = [...new Set([...known.tags, ...tags])];
        continue;
      }
      images.set(record.id, {
        config: await readFile(this.#blobs.path(record.id)),
        layers: record.layers.map((layer) => this.#savedLayer(ref, layer)),
        tags,
      });
    }
    await writeArchive([...images.values()], out);
  }

  #savedLayer(ref: string, layer: LayerRecord): SavedImage["layers"][number] {
    if (layer.kind !== "tar") throw invalid(`cannot save ${ref}: its layer ${layer.target} is the host's own directory, not image content`);
    return { diffId: layer.diffId, size: layer.size, open: () => openLayerTar(this.#blobs.path(layer.blob), shortId(layer.diffId)) };
  }

  async #import(image: ArchiveImage): Promise<LoadedImage> {
    const id = image.config.digest;
    const config = parseImageConfig(await readFile(image.config.path), id);
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== image.layers.length) {
      throw invalid(`image ${shortId(id)}: the archive has ${image.layers.length} layers, the config's rootfs.diff_ids lists ${diffIds.length}`);
    }
    const keys = [id, ...diffIds, ...image.layers.map((layer) => layer.digest)];
    return this.#pinned(keys, async () => {
      const layers: LayerRecord[] = [];
      for (const [i, blob] of image.layers.entries()) {
        await this.#blobs.adopt(blob);
        const size = await this.#layers.ensure(this.#blobs.path(blob.digest), diffIds[i]!);
        layers.push({ kind: "tar", diffId: diffIds[i]!, blob: blob.digest, size });
      }
      await this.#blobs.adopt(image.config);
      await this.#serial(() => this.#commit({ id, layers, repoTags: image.tags, repoDigests: image.repoDigests, builtin: false }));
      return { id, tags: image.tags };
    });
  }

  async #installBuiltin(image: BuiltinImage): Promise<void> {
    const layers: LayerRecord[] = [];
    for (const layer of image.layers) {
      if (layer.kind === "host-bind") {
        layers.push(layer);
        continue;
      }
      const blob = await this.#blobs.write(Readable.from([layer.tar]));
      const size = await this.#layers.ensure(this.#blobs.path(blob.digest), layer.diffId);
      layers.push({ kind: "tar", diffId: layer.diffId, blob: blob.digest, size });
    }
    const { digest: id } = await this.#blobs.write(Readable.from([image.config]));
    await this.#serial(async () => {
      await this.#commit({ id, layers, repoTags: [image.tag], repoDigests: [], builtin: true });
      // A built-in image from an earlier start whose content changed (new certs...) is obsolete.
      for (const record of this.#records.values()) {
        if (record.builtin && record.id !== id && this.#containersUsing(record.id) === 0) this.#records.delete(record.id);
      }
      await this.#writeIndex();
      await this.#prune();
    });
  }

  /** Records `record`, merging with an existing record of the same id; its tags move to it. */
  async #commit(record: ImageRecord): Promise<void> {
    const existing = this.#records.get(record.id);
    const target = existing ?? { ...record, repoTags: [], repoDigests: [] };
    this.#records.set(record.id, target);
    this.#moveTags(target, record.repoTags, record.repoDigests);
    // a pull that finds the image up to date still counts: timed pull policies measure from it
    if (record.repoTags.length > 0) target.lastTagTime = new Date().toISOString();
    await this.#writeIndex();
  }

  #moveTags(target: ImageRecord, tags: string[], digests: string[]): void {
    for (const record of this.#records.values()) {
      if (record !== target) record.repoTags = record.repoTags.filter((t) => !tags.includes(t));
    }
    target.repoTags = [...new Set([...target.repoTags, ...tags])];
    target.repoDigests = [...new Set([...target.repoDigests, ...digests])];
  }

  /** The tag `ref` names if it is a name of `record` (not an id). */
  #tagNamed(ref: string, record: ImageRecord): string | undefined {
    try {
      const tag = normalizeTag(ref);
      return record.repoTags.includes(tag) ? tag : undefined;
    } catch {
      return undefined;
    }
  }

  #byName(ref: string): ImageRecord | undefined {
    try {
      const parsed = parseReference(ref);
      if (parsed.digest) {
        const key = familiarDigest({ ...parsed, digest: parsed.digest });
        return [...this.#records.values()].find((record) => record.repoDigests.includes(key));
      }
      const tag = normalizeTag(ref);
      return [...this.#records.values()].find((record) => record.repoTags.includes(tag));
    } catch (err) {
      // Something that is no valid name may still be an id prefix; anything else is the user's error.
      if (err instanceof EngineError && !ID_PREFIX.test(ref)) throw err;
      return undefined;
    }
  }

  async #config(record: ImageRecord): Promise<ImageConfig> {
    let config = this.#configs.get(record.id);
    if (!config) {
      config = parseImageConfig(await readFile(this.#blobs.path(record.id)), record.id);
      this.#configs.set(record.id, config);
    }
    return config;
  }

  async #pinned<T>(keys: string[], work: () => Promise<T>): Promise<T> {
    for (const key of keys) this.#pins.set(key, (this.#pins.get(key) ?? 0) + 1);
    try {
      return await work();
    } finally {
      for (const key of keys) {
        const count = this.#pins.get(key)! - 1;
        if (count === 0) this.#pins.delete(key);
        else this.#pins.set(key, count);
      }
    }
  }

  /** Deletes blobs and layers no image records and no load in flight holds; returns the blobs' bytes. */
  async #prune(): Promise<number> {
    const kept = new Set(this.#pins.keys());
    for (const record of this.#records.values()) {
      kept.add(record.id);
      for (const layer of record.layers) {
        kept.add(layer.diffId);
        if (layer.kind === "tar") kept.add(layer.blob);
      }
    }
    let bytes = 0;
    for (const digest of await this.#blobs.list()) if (!kept.has(digest)) bytes += await this.#blobs.remove(digest);
    for (const diffId of await this.#layers.list()) if (!kept.has(diffId)) await this.#layers.remove(diffId);
    return bytes;
  }

  async #readIndex(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.#indexPath, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw err;
    }
    const index = JSON.parse(text) as IndexFile;
    for (const record of index.images) this.#records.set(record.id, record);
  }

  async #writeIndex(): Promise<void> {
    const index: IndexFile = { images: [...this.#records.values()] };
    await writeFileAtomic(this.#indexPath, JSON.stringify(index, null, 1) + "\n", 0o600);
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
