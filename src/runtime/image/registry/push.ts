// A push: the image's layer and config blobs the repository lacks, each uploaded in one request, then a Docker
// schema 2 manifest under the tag, whose digest the image then records (RepoDigests). Blobs are sent as the
// store holds them (gzip or plain tar), with the media type their first bytes say.
import { Transform, type Readable } from "node:stream";
import { shortId } from "../digest.js";
import { invalid, notFound } from "../errors.js";
import type { ImageRecord } from "../records.js";
import { DEFAULT_TAG, familiarName, type Reference } from "../reference.js";
import type { ImageStore } from "../store.js";
import { RegistryClient } from "./client.js";
import { fromDockerConfig, type Credentials } from "./credentials.js";
import { endpointsFor, type RegistryConfig } from "./hosts.js";
import { MEDIA } from "./manifest.js";
import { byteReporter, type ProgressSink } from "./progress.js";

const CONFIG_MEDIA = "application/vnd.docker.container.image.v1+json";
const LAYER_MEDIA = { gzip: "application/vnd.docker.image.rootfs.diff.tar.gzip", tar: "application/vnd.docker.image.rootfs.diff.tar" };

export interface PushRequest {
  /** With a tag; a digest cannot be pushed to. */
  reference: Reference;
  credentials?: Credentials;
  config: RegistryConfig;
  signal?: AbortSignal;
}

/** The image a push sends, checked before any progress is reported: it must exist and be made of layer blobs. */
export function imageToPush(store: ImageStore, reference: Reference): ImageRecord {
  if (reference.digest) throw invalid(`cannot push to a digest reference (${familiarName(reference)}@${reference.digest}): push a tag`);
  const name = `${familiarName(reference)}:${reference.tag ?? DEFAULT_TAG}`;
  let record: ImageRecord;
  try {
    record = store.get(name);
  } catch {
    throw notFound(`An image does not exist locally with the tag: ${familiarName(reference)}`);
  }
  if (record.layers.some((layer) => layer.kind !== "tar")) throw invalid(`cannot push ${name}: it holds the host's own directories (berth/host), not image content`);
  return record;
}

/** Pushes `record` to the request's repository and tag, recording the repo digest; returns the manifest's digest. */
export async function pushImage(record: ImageRecord, store: ImageStore, request: PushRequest, send: ProgressSink): Promise<string> {
  const { reference, config, signal } = request;
  const tag = reference.tag ?? DEFAULT_TAG;
  const endpoint = endpointsFor(reference.domain, config).at(-1)!; // mirrors serve pulls only
  const credentials = request.credentials ?? (await fromDockerConfig(reference.domain));
  const client = new RegistryClient(endpoint, reference, config, credentials, "push");
  send({ status: `The push refers to repository [${reference.domain}/${reference.path}]` });
  const blobs = [...new Set(blobsOf(record))];
  return store.retain([record.id, ...blobs], async () => {
    const topFirst = [...blobs].reverse();
    for (const digest of topFirst) send({ status: "Preparing", progressDetail: {}, id: shortId(digest) });
    const descriptors = new Map<string, { mediaType: string; digest: string; size: number }>();
    for (const digest of blobs) {
      const blob = await store.blob(digest);
      descriptors.set(digest, { mediaType: (await isGzip(blob.open())) ? LAYER_MEDIA.gzip : LAYER_MEDIA.tar, digest, size: blob.size });
    }
    for (const digest of topFirst) {
      const id = shortId(digest);
      if (await client.hasBlob(digest, signal)) {
        send({ status: "Layer already exists", progressDetail: {}, id });
        continue;
      }
      await upload(client, store, digest, signal, byteReporter(send, "Pushing", id, descriptors.get(digest)!.size));
      send({ status: "Pushed", progressDetail: {}, id });
    }
    const configBlob = await store.blob(record.id);
    if (!(await client.hasBlob(record.id, signal))) await upload(client, store, record.id, signal);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA.dockerManifest,
        config: { mediaType: CONFIG_MEDIA, size: configBlob.size, digest: record.id },
        layers: blobsOf(record).map((digest) => descriptors.get(digest)!),
      }),
    );
    const digest = await client.putManifest(tag, MEDIA.dockerManifest, manifest, signal);
    await store.addRepoDigest(record.id, `${familiarName(reference)}@${digest}`);
    send({ status: `${tag}: digest: ${digest} size: ${manifest.length}` });
    send({ progressDetail: {}, aux: { Tag: tag, Digest: digest, Size: manifest.length } });
    return digest;
  });
}

/** The layer blobs, bottom first (imageToPush made sure every layer has one). */
const blobsOf = (record: ImageRecord) => record.layers.flatMap((layer) => (layer.kind === "tar" ? [layer.blob] : []));

async function upload(client: RegistryClient, store: ImageStore, digest: string, signal?: AbortSignal, onProgress: (sent: number) => void = () => {}): Promise<void> {
  const blob = await store.blob(digest);
  let sent = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sent += chunk.length;
      onProgress(sent);
      done(null, chunk);
    },
  });
  const content = blob.open();
  content.on("error", (err) => counter.destroy(err));
  await client.uploadBlob(digest, blob.size, content.pipe(counter), signal);
}

/** gzip's magic number; the store holds layer blobs as they came, gzipped or plain. */
async function isGzip(content: Readable): Promise<boolean> {
  for await (const chunk of content as AsyncIterable<Buffer>) return chunk[0] === 0x1f && chunk[1] === 0x8b; // leaving the loop closes the file
  return false;
}
