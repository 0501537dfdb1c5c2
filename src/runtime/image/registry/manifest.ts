// Registry manifests: Docker schema 2 and OCI image manifests, and the indexes (manifest lists) that point to
// one manifest per platform.
import { invalid, notFound } from "../errors.js";
import { DIGEST } from "../reference.js";

export const MEDIA = {
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
} as const;

/** What a manifest GET accepts: the four kinds berth reads, best first. */
export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.dockerList, MEDIA.dockerManifest, MEDIA.ociManifest].join(", ");

export interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  platform?: Platform;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export type Manifest =
  | { kind: "image"; config: Descriptor; layers: Descriptor[] }
  | { kind: "index"; manifests: Descriptor[] };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function descriptor(value: unknown, where: string): Descriptor {
  if (!isObject(value) || typeof value.digest !== "string" || !Number.isSafeInteger(value.size) || (value.size as number) < 0) {
    throw invalid(`${where} is not a descriptor with a "digest" and a "size"`);
  }
  if (!DIGEST.test(value.digest)) throw invalid(`${where}: unsupported digest ${JSON.stringify(value.digest)} (berth reads sha256 only)`);
  return value as unknown as Descriptor;
}

/**
 * Parses a manifest; `mediaType` is the response's Content-Type, used when the document does not name its own.
 * `label` names it in errors.
 */
export function parseManifest(bytes: Buffer, mediaType: string, label: string): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw invalid(`manifest ${label} is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(value)) throw invalid(`manifest ${label} must be a JSON object`);
  const type = typeof value.mediaType === "string" ? value.mediaType : mediaType.split(";")[0]!.trim();
  if (value.schemaVersion === 1) throw invalid(`manifest ${label} is Docker schema 1, which berth does not read (push the image again with a current client)`);
  if (type === MEDIA.ociIndex || type === MEDIA.dockerList || (Array.isArray(value.manifests) && value.config === undefined)) {
    if (!Array.isArray(value.manifests)) throw invalid(`manifest list ${label} has no "manifests"`);
    return { kind: "index", manifests: value.manifests.map((m, i) => descriptor(m, `manifest list ${label} manifests[${i}]`)) };
  }
  if (type !== MEDIA.ociManifest && type !== MEDIA.dockerManifest && !(type === "" || type === "application/json")) {
    throw invalid(`manifest ${label} has media type "${type}", which berth does not read`);
  }
  if (!Array.isArray(value.layers)) throw invalid(`manifest ${label} has no "layers"`);
  return {
    kind: "image",
    config: descriptor(value.config, `manifest ${label} config`),
    layers: value.layers.map((layer, i) => descriptor(layer, `manifest ${label} layers[${i}]`)),
  };
}

/** `linux/amd64`, `linux/arm64/v8`: the form of the `platform` query parameter and of error messages. */
export function parsePlatform(text: string): Platform {
  const [os, architecture, variant, ...rest] = text.toLowerCase().split("/");
  if (!os || !architecture || rest.length > 0 || variant === "") {
    throw invalid(`invalid platform "${text}": expected os/arch[/variant], e.g. linux/amd64`);
  }
  return { os, architecture, ...(variant !== undefined && { variant }) };
}

export const formatPlatform = (p: Platform) => [p.os, p.architecture, p.variant].filter(Boolean).join("/");

/** Variants an architecture has when none is given: arm64 is v8, arm is v7 (as containerd's platforms package normalises). */
const DEFAULT_VARIANT: Record<string, string> = { arm64: "v8", arm: "v7" };

/** The index entry for `wanted`: same os and architecture, and the same variant when one is asked for. */
export function selectPlatform(manifests: Descriptor[], wanted: Platform): Descriptor {
  const variant = wanted.variant ?? DEFAULT_VARIANT[wanted.architecture];
  const candidates = manifests.filter((m) => m.platform?.os === wanted.os && m.platform.architecture === wanted.architecture);
  const match =
    candidates.find((m) => (m.platform!.variant ?? DEFAULT_VARIANT[wanted.architecture]) === variant) ??
    (wanted.variant === undefined ? candidates[0] : undefined);
  if (!match) throw notFound(`no matching manifest for ${formatPlatform(wanted)} in the manifest list entries`);
  return match;
}
