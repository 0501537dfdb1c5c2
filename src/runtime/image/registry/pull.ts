// A pull: resolve the reference to this platform's image manifest (mirrors first for docker.io), fetch the
// blobs the store lacks in parallel, each streamed through its size and digest check into the blob store and
// unpacked as soon as it is in, then record the image. Blobs of a failed pull that passed their checks stay until the store next prunes (a retry
// fetches only the rest); a blob that did not pass never appears.
import { buffer } from "node:stream/consumers";
import { parseImageConfig } from "../config.js";
import { shortId } from "../digest.js";
import { EngineError, invalid } from "../errors.js";
import { DEFAULT_TAG, familiarName, type Reference } from "../reference.js";
import type { ImageStore } from "../store.js";
import { RegistryClient, RegistryError, type FetchedManifest } from "./client.js";
import { fromDockerConfig, type Credentials } from "./credentials.js";
import { endpointsFor, type RegistryConfig } from "./hosts.js";
import { parseManifest, selectPlatform, type Descriptor, type Platform } from "./manifest.js";
import { byteReporter, type ProgressSink } from "./progress.js";
import { VerifyStream } from "./verify.js";

/** As dockerd's max-concurrent-downloads default. */
const PARALLEL_DOWNLOADS = 3;
/** An image config is read whole; as for configs in image archives, a bigger one is no config. */
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

export interface PullRequest {
  reference: Reference;
  platform: Platform;
  /** From the client (X-Registry-Auth); else config.json's are used. */
  credentials?: Credentials;
  config: RegistryConfig;
  signal?: AbortSignal;
}

export interface ResolvedImage {
  client: RegistryClient;
  reference: Reference;
  /** The digest of the manifest the reference names (the index's, for a multi-platform image): the repo digest. */
  digest: string;
  config: Descriptor;
  layers: Descriptor[];
}

/** `busybox:latest` or `busybox@sha256:…`: how Docker names what was pulled. */
export function pulledName(ref: Reference): string {
  return ref.digest ? `${familiarName(ref)}@${ref.digest}` : `${familiarName(ref)}:${ref.tag ?? DEFAULT_TAG}`;
}

/** Finds the image manifest for the request's platform, trying docker.io's mirrors before its origin. */
export async function resolveImage(request: PullRequest): Promise<ResolvedImage> {
  const { reference, config, signal } = request;
  const endpoints = endpointsFor(reference.domain, config);
  const credentials = request.credentials ?? (await fromDockerConfig(reference.domain));
  for (const endpoint of endpoints) {
    // Mirrors are anonymous: docker.io's credentials are for docker.io.
    const client = new RegistryClient(endpoint, reference, config, endpoint.mirror ? undefined : credentials);
    try {
      return await resolveWith(client, request.platform, signal);
    } catch (err) {
      if (!endpoint.mirror || !(err instanceof RegistryError) || signal?.aborted) throw err;
    }
  }
  throw new Error("unreachable: the origin is always the last endpoint");
}

async function resolveWith(client: RegistryClient, platform: Platform, signal?: AbortSignal): Promise<ResolvedImage> {
  const { reference } = client;
  const top = await client.manifest(reference.digest ?? reference.tag ?? DEFAULT_TAG, signal);
  let manifest = parse(top);
  if (manifest.kind === "index") {
    const entry = selectPlatform(manifest.manifests, platform);
    manifest = parse(await client.manifest(entry.digest, signal));
    if (manifest.kind === "index") throw invalid(`manifest list ${top.digest} points to another manifest list for ${entry.digest}`);
  }
  if (manifest.config.size > MAX_CONFIG_BYTES) throw invalid(`image config ${manifest.config.digest} is ${manifest.config.size} bytes; configs over ${MAX_CONFIG_BYTES} bytes are refused`);
  return { client, reference, digest: top.digest, config: manifest.config, layers: manifest.layers };
}

const parse = (fetched: FetchedManifest) => parseManifest(fetched.bytes, fetched.mediaType, fetched.digest);

/**
 * Fetches what the store lacks and records the image, reporting progress as dockerd does. The config comes
 * first: its diff IDs let each layer be unpacked (and checked) as soon as it has arrived. Returns the image id
 * and whether the name already pointed at it ("Image is up to date").
 */
export async function fetchImage(image: ResolvedImage, store: ImageStore, send: ProgressSink, signal?: AbortSignal): Promise<{ id: string; upToDate: boolean }> {
  const { reference, client } = image;
  const name = pulledName(reference);
  const before = currentId(store, name);
  send({ status: `Pulling from ${reference.path}`, id: reference.digest ?? reference.tag ?? DEFAULT_TAG });
  const layers = [...new Map(image.layers.map((layer) => [layer.digest, layer])).values()];
  return store.retain([image.config.digest, ...layers.map((layer) => layer.digest)], async () => {
    const missing: Descriptor[] = [];
    for (const layer of layers) {
      const present = await store.hasBlob(layer.digest);
      send({ status: present ? "Already exists" : "Pulling fs layer", progressDetail: {}, id: shortId(layer.digest) });
      if (!present) missing.push(layer);
    }
    if (!(await store.hasBlob(image.config.digest))) await fetchBlob(client, store, image.config, () => {}, signal);
    const diffIds = await diffIdsOf(image, store);
    const loaded = await store.retain([...diffIds.values()], async () => {
      await inParallel(missing, signal, async (layer, cancelled) => {
        await fetchBlob(client, store, layer, send, cancelled);
        await store.unpack(layer.digest, diffIds.get(layer.digest)!);
        send({ status: "Pull complete", progressDetail: {}, id: shortId(layer.digest) });
      });
      return store.addFromBlobs({
        config: image.config.digest,
        layers: image.layers.map((layer) => layer.digest),
        tags: reference.digest ? [] : [name],
        repoDigests: [`${familiarName(reference)}@${image.digest}`],
      });
    });
    send({ status: `Digest: ${image.digest}` });
    const upToDate = before === loaded.id;
    send({ status: `Status: ${upToDate ? "Image is up to date" : "Downloaded newer image"} for ${name}` });
    return { id: loaded.id, upToDate };
  });
}

/** Layer blob digest → the diff ID the stored config lists for it. */
async function diffIdsOf(image: ResolvedImage, store: ImageStore): Promise<Map<string, string>> {
  const blob = await store.blob(image.config.digest);
  const config = parseImageConfig(await buffer(blob.open()), image.config.digest);
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== image.layers.length) {
    throw invalid(`image ${shortId(image.config.digest)}: the manifest lists ${image.layers.length} layers, the config's rootfs.diff_ids ${diffIds.length}`);
  }
  return new Map(image.layers.map((layer, i) => [layer.digest, diffIds[i]!]));
}

function currentId(store: ImageStore, name: string): string | undefined {
  try {
    return store.get(name).id;
  } catch (err) {
    if (err instanceof EngineError) return undefined;
    throw err;
  }
}

/** Runs `task` on each item, a few at a time; on the first failure the others are cancelled, and all have settled when it throws. */
async function inParallel<T>(items: T[], signal: AbortSignal | undefined, task: (item: T, signal: AbortSignal) => Promise<void>): Promise<void> {
  const abort = new AbortController();
  const cancel = () => abort.abort(signal?.reason);
  signal?.addEventListener("abort", cancel, { once: true });
  const queue = [...items];
  let failure: unknown;
  const worker = async () => {
    for (let item = queue.shift(); item !== undefined && failure === undefined; item = queue.shift()) {
      try {
        await task(item, abort.signal);
      } catch (err) {
        failure ??= err;
        abort.abort(err);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(PARALLEL_DOWNLOADS, items.length) }, worker));
  } finally {
    signal?.removeEventListener("abort", cancel);
  }
  if (failure !== undefined) throw failure;
}

async function fetchBlob(client: RegistryClient, store: ImageStore, blob: Descriptor, send: ProgressSink, signal?: AbortSignal): Promise<void> {
  const id = shortId(blob.digest);
  const body = await client.blob(blob.digest, signal);
  const verify = new VerifyStream(blob, byteReporter(send, "Downloading", id, blob.size));
  body.on("error", (err) => verify.destroy(err));
  verify.on("error", () => body.destroy());
  await store.writeBlob(body.pipe(verify), blob.digest);
  send({ status: "Verifying Checksum", progressDetail: {}, id });
  send({ status: "Download complete", progressDetail: {}, id });
}
