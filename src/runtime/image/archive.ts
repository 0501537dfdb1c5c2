// Image archives: `docker save` (manifest.json) and OCI image layout (oci-layout, index.json, blobs/).
// Reading stages every file of the archive under a private directory by counter, never by its archive
// name, so a hostile archive cannot place files anywhere; names only serve to resolve references.
import { createHash } from "node:crypto";
import { open, readFile } from "node:fs/promises";
import { join, posix } from "node:path";
import type { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { extract, pack, type Pack } from "tar-stream";
import { sha256, hexOf } from "./digest.js";
import { EngineError, invalid } from "./errors.js";
import { hostArchitecture } from "./platform.js";
import { familiarName, normalizeTag, parseReference } from "./reference.js";

/** A file of the archive, copied to the staging directory. */
export interface StagedFile {
  path: string;
  digest: string;
  size: number;
}

export interface ArchiveImage {
  config: StagedFile;
  /** Bottom layer first. */
  layers: StagedFile[];
  /** Familiar `name:tag`. */
  tags: string[];
  /** Familiar `name@sha256:…` of the OCI manifest, when the archive has one. */
  repoDigests: string[];
}

const MAX_JSON_BYTES = 16 * 1024 * 1024;
const MAX_LINK_HOPS = 16;
const MEDIA_INDEX = "application/vnd.oci.image.index.v1+json";
const MEDIA_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const MEDIA_DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
const MEDIA_CONFIG = "application/vnd.oci.image.config.v1+json";
const MEDIA_LAYER = "application/vnd.oci.image.layer.v1.tar";
const ANNOTATION_IMAGE_NAME = "io.containerd.image.name";
const ANNOTATION_REF_NAME = "org.opencontainers.image.ref.name";


class StagedArchive {
  readonly files = new Map<string, StagedFile>();
  /** Symlinks and hard links of the archive: name → the name they point to. */
  readonly links = new Map<string, string>();

  /** The file `name` (following links) or an error naming `from`, the place that referenced it. */
  file(name: string, from: string): StagedFile {
    let current = name;
    for (let hop = 0; hop < MAX_LINK_HOPS; hop++) {
      const file = this.files.get(current);
      if (file) return file;
      const next = this.links.get(current);
      if (next === undefined) break;
      current = next;
    }
    throw invalid(`image archive: ${from} refers to "${name}", which the archive does not contain`);
  }

  async json(name: string, from: string): Promise<unknown> {
    return readJson(this.file(name, from), name);
  }
}

/** The normalised path of an archive entry, or null for one that points outside the archive. */
function archivePath(name: string): string | null {
  const normal = posix.normalize(name.replace(/^\/+/, ""));
  return normal.startsWith("../") || normal === ".." ? null : normal.replace(/\/$/, "");
}

function checkJsonSize(file: StagedFile, name: string): StagedFile {
  if (file.size > MAX_JSON_BYTES) throw invalid(`image archive: ${name} is ${file.size} bytes; JSON files over ${MAX_JSON_BYTES} bytes are refused`);
  return file;
}

async function readJson(file: StagedFile, name: string): Promise<unknown> {
  checkJsonSize(file, name);
  try {
    return JSON.parse(await readFile(file.path, "utf8"));
  } catch (err) {
    throw invalid(`image archive: ${name} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Reads the whole archive into `staging` (an empty private directory) and lists the images it holds. */
export async function readArchive(input: Readable, staging: string): Promise<ArchiveImage[]> {
  const archive = await stage(input, staging);
  if (archive.files.has("manifest.json")) return dockerImages(archive);
  if (archive.files.has("index.json")) return ociImages(archive);
  throw invalid("not an image archive: it has neither manifest.json (docker save format) nor index.json (OCI image layout)");
}

async function stage(input: Readable, staging: string): Promise<StagedArchive> {
  const archive = new StagedArchive();
  const entries = extract();
  const feeding = pipeline(input, entries);
  try {
    for await (const entry of entries) {
      const { header } = entry;
      const name = archivePath(header.name);
      if (name !== null && (header.type === "file" || header.type === "contiguous-file")) {
        const path = join(staging, String(archive.files.size));
        // streamx readables are async-iterable; its type declarations just do not say so.
        archive.files.set(name, await copyHashed(entry as unknown as AsyncIterable<Buffer>, path));
      } else if (name !== null && header.type === "symlink") {
        const target = archivePath(posix.join(posix.dirname(name), header.linkname));
        if (target !== null) archive.links.set(name, target);
      } else if (name !== null && header.type === "link") {
        const target = archivePath(header.linkname);
        if (target !== null) archive.links.set(name, target);
      }
      entry.resume();
    }
    await feeding;
  } catch (err) {
    entries.destroy();
    await feeding.catch(() => undefined);
    if (err instanceof EngineError) throw err;
    throw invalid(`image archive is not a valid tar file: ${(err as Error).message}`);
  }
  return archive;
}

async function copyHashed(content: AsyncIterable<Buffer>, path: string): Promise<StagedFile> {
  const hash = createHash("sha256");
  let size = 0;
  const file = await open(path, "wx", 0o600);
  try {
    for await (const chunk of content) {
      hash.update(chunk);
      size += chunk.length;
      await file.write(chunk);
    }
  } finally {
    await file.close();
  }
  return { path, digest: `sha256:${hash.digest("hex")}`, size };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function tagsOf(names: unknown[], where: string): string[] {
  return names.map((name) => {
    if (typeof name !== "string") throw invalid(`image archive: ${where} must list strings`);
    try {
      return normalizeTag(name);
    } catch (err) {
      throw invalid(`image archive: ${where}: ${(err as Error).message}`);
    }
  });
}

async function dockerImages(archive: StagedArchive): Promise<ArchiveImage[]> {
  const manifest = await archive.json("manifest.json", "the archive");
  const shape = 'manifest.json must be a list of {"Config": "...", "RepoTags": [...], "Layers": [...]}';
  if (!Array.isArray(manifest)) throw invalid(`image archive: ${shape}`);
  return manifest.map((item, i) => {
    const where = `manifest.json[${i}]`;
    if (!isObject(item) || typeof item.Config !== "string" || !Array.isArray(item.Layers)) throw invalid(`image archive: ${shape}`);
    const layers = item.Layers.map((layer) => {
      if (typeof layer !== "string") throw invalid(`image archive: ${where}.Layers must list file names`);
      return archive.file(archivePath(layer) ?? layer, where);
    });
    return {
      config: checkJsonSize(archive.file(archivePath(item.Config) ?? item.Config, where), item.Config),
      layers,
      tags: tagsOf(Array.isArray(item.RepoTags) ? item.RepoTags : [], `${where}.RepoTags`),
      repoDigests: [],
    };
  });
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  annotations?: Record<string, string>;
  platform?: { os?: string; architecture?: string };
}

function descriptorsOf(value: unknown, key: "manifests" | "layers", where: string): Descriptor[] {
  const list = isObject(value) ? value[key] : undefined;
  if (!Array.isArray(list) || !list.every((d) => isObject(d) && typeof d.digest === "string")) {
    throw invalid(`image archive: ${where} must have "${key}": a list of descriptors with a "digest"`);
  }
  return list as Descriptor[];
}

/** The staged blob a descriptor names, checked against the descriptor's digest and size. */
function blob(archive: StagedArchive, descriptor: Descriptor, where: string): StagedFile {
  if (!/^sha256:[a-f0-9]{64}$/.test(descriptor.digest)) throw invalid(`image archive: ${where}: unsupported digest ${JSON.stringify(descriptor.digest)}`);
  const file = archive.file(`blobs/sha256/${hexOf(descriptor.digest)}`, where);
  if (file.digest !== descriptor.digest) throw invalid(`image archive: blob ${descriptor.digest} has content with digest ${file.digest}`);
  if (descriptor.size !== undefined && descriptor.size !== file.size) {
    throw invalid(`image archive: blob ${descriptor.digest} is ${file.size} bytes, its descriptor says ${descriptor.size}`);
  }
  return file;
}

async function ociImages(archive: StagedArchive): Promise<ArchiveImage[]> {
  const index = await archive.json("index.json", "the archive");
  const images: ArchiveImage[] = [];
  for (const [i, descriptor] of descriptorsOf(index, "manifests", "index.json").entries()) {
    const where = `index.json manifests[${i}]`;
    const manifestDescriptor = await platformManifest(archive, descriptor, where);
    const manifestFile = blob(archive, manifestDescriptor, where);
    const manifest = await readJson(manifestFile, `manifest ${manifestDescriptor.digest}`);
    const config = isObject(manifest) && isObject(manifest.config) ? (manifest.config as unknown as Descriptor) : undefined;
    if (config === undefined || typeof config.digest !== "string") throw invalid(`image archive: manifest ${manifestDescriptor.digest} has no "config" descriptor`);
    const layers = descriptorsOf(manifest, "layers", `manifest ${manifestDescriptor.digest}`);
    const name = imageName(descriptor.annotations ?? {});
    const existing = images.find((image) => image.config.digest === config.digest);
    const image = existing ?? { config: checkJsonSize(blob(archive, config, where), config.digest), layers: layers.map((layer) => blob(archive, layer, where)), tags: [], repoDigests: [] };
    if (name !== undefined) {
      image.tags.push(normalizeTag(name));
      image.repoDigests.push(`${familiarName(parseReference(name))}@${manifestDescriptor.digest}`);
    }
    if (!existing) images.push(image);
  }
  return images;
}

/**
 * The image name an index entry carries. containerd and docker put the full name in their own annotation;
 * the OCI ref.name may be a full name or only a tag, and a bare tag names no repository, so it is ignored.
 */
function imageName(annotations: Record<string, string>): string | undefined {
  const name = annotations[ANNOTATION_IMAGE_NAME] ?? annotations[ANNOTATION_REF_NAME];
  if (name === undefined || !/[:@/]/.test(name)) return undefined;
  try {
    parseReference(name);
    return name;
  } catch {
    return undefined;
  }
}

/** Follows a nested index down to the manifest for this machine's platform. */
async function platformManifest(archive: StagedArchive, descriptor: Descriptor, where: string): Promise<Descriptor> {
  if (descriptor.mediaType !== MEDIA_INDEX && descriptor.mediaType !== MEDIA_DOCKER_LIST) return descriptor;
  const nested = await readJson(blob(archive, descriptor, where), `index ${descriptor.digest}`);
  const manifests = descriptorsOf(nested, "manifests", `index ${descriptor.digest}`);
  const arch = hostArchitecture();
  const match = manifests.find((m) => m.platform?.os === "linux" && m.platform.architecture === arch);
  if (match) return platformManifest(archive, { ...match, annotations: descriptor.annotations ?? {} }, where);
  const offered = manifests.map((m) => `${m.platform?.os ?? "?"}/${m.platform?.architecture ?? "?"}`).join(", ");
  throw invalid(`image archive: ${where} has no linux/${arch} image (it has: ${offered || "none"})`);
}

/** A layer as saved: its uncompressed tar, which is what the diff ID is the digest of. */
export interface SavedLayer {
  diffId: string;
  size: number;
  open(): Promise<Readable>;
}

export interface SavedImage {
  config: Buffer;
  layers: SavedLayer[];
  tags: string[];
}

/**
 * Writes `images` as a `docker save` archive (manifest.json) that is also an OCI image layout (index.json),
 * as docker 25+ does, so both docker and OCI tools can load it.
 */
export async function writeArchive(images: SavedImage[], out: Writable): Promise<void> {
  const tar = pack();
  const draining = pipeline(tar, out);
  try {
    await addEntry(tar, { name: "blobs/", type: "directory" });
    await addEntry(tar, { name: "blobs/sha256/", type: "directory" });
    const written = new Set<string>();
    const addBlob = async (digest: string, size: number, content: Buffer | (() => Promise<Readable>)) => {
      if (written.has(digest)) return;
      written.add(digest);
      await addEntry(tar, { name: `blobs/sha256/${hexOf(digest)}`, size }, content);
    };
    const dockerManifest = [];
    const ociIndex = [];
    for (const image of images) {
      const configDigest = sha256(image.config);
      await addBlob(configDigest, image.config.length, image.config);
      for (const layer of image.layers) await addBlob(layer.diffId, layer.size, () => layer.open());
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MEDIA_MANIFEST,
          config: { mediaType: MEDIA_CONFIG, digest: configDigest, size: image.config.length },
          layers: image.layers.map((layer) => ({ mediaType: MEDIA_LAYER, digest: layer.diffId, size: layer.size })),
        }),
      );
      const manifestDigest = sha256(manifest);
      await addBlob(manifestDigest, manifest.length, manifest);
      const descriptor = { mediaType: MEDIA_MANIFEST, digest: manifestDigest, size: manifest.length };
      if (image.tags.length === 0) ociIndex.push(descriptor);
      for (const tag of image.tags) {
        const ref = parseReference(tag);
        const annotations = { [ANNOTATION_IMAGE_NAME]: `${ref.domain}/${ref.path}:${ref.tag}`, [ANNOTATION_REF_NAME]: ref.tag ?? "" };
        ociIndex.push({ ...descriptor, annotations });
      }
      dockerManifest.push({ Config: `blobs/sha256/${hexOf(configDigest)}`, RepoTags: image.tags, Layers: image.layers.map((l) => `blobs/sha256/${hexOf(l.diffId)}`) });
    }
    const json = (value: unknown) => Buffer.from(JSON.stringify(value));
    await addEntry(tar, { name: "index.json" }, json({ schemaVersion: 2, mediaType: MEDIA_INDEX, manifests: ociIndex }));
    await addEntry(tar, { name: "manifest.json" }, json(dockerManifest));
    await addEntry(tar, { name: "oci-layout" }, json({ imageLayoutVersion: "1.0.0" }));
    tar.finalize();
  } catch (err) {
    tar.destroy(err as Error);
    await draining.catch(() => undefined);
    throw err;
  }
  await draining;
}

interface EntryHeader {
  name: string;
  type?: "directory";
  size?: number;
}

/** Adds one entry; a stream's bytes must match `size`, or tar-stream fails the entry. */
async function addEntry(tar: Pack, header: EntryHeader, content?: Buffer | (() => Promise<Readable>)): Promise<void> {
  const fixed = { mode: header.type === "directory" ? 0o755 : 0o644, mtime: new Date(0) };
  if (content === undefined || Buffer.isBuffer(content)) {
    await new Promise<void>((resolve, reject) => tar.entry({ ...header, ...fixed }, content ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve())));
    return;
  }
  const source = await content();
  await pipeline(source, tar.entry({ ...header, ...fixed }) as unknown as Writable);
}
