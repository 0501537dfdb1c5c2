// Image references as Docker reads them: `busybox`, `busybox:1.36`, `ghcr.io/org/app@sha256:…`.
// Grammar and normalisation follow distribution/reference: a name without a registry is on docker.io,
// and a single-component docker.io name is in `library/`.
import { invalid } from "./errors.js";

export const DEFAULT_DOMAIN = "docker.io";
export const DEFAULT_TAG = "latest";

export interface Reference {
  /** Registry host, with port if any: `docker.io`, `localhost:5000`. */
  domain: string;
  /** Repository path within the registry: `library/busybox`. */
  path: string;
  tag?: string;
  /** `sha256:<64 hex>`. */
  digest?: string;
}

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
export const DIGEST = /^sha256:[a-f0-9]{64}$/;
const MAX_NAME_LENGTH = 255;

/** Parses and normalises `text`; throws InvalidArgument saying what a valid reference looks like. */
export function parseReference(text: string): Reference {
  if (/^[a-f0-9]{64}$/.test(text)) {
    throw invalid(`invalid reference "${text}": a 64-character hex string is an image ID, not a repository name`);
  }
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid(`invalid reference "${text}": digest must be sha256: followed by 64 lowercase hex digits`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(`invalid reference "${text}": tag must be 1-128 of letters, digits, "_", "." and "-", not starting with "." or "-"`);
  }
  const { domain, path } = splitDomain(rest, text);
  if (domain.length + 1 + path.length > MAX_NAME_LENGTH) throw invalid(`invalid reference "${text}": repository name is longer than ${MAX_NAME_LENGTH} characters`);
  return { domain, path, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

function splitDomain(name: string, text: string): { domain: string; path: string } {
  if (name === "") throw invalid(`invalid reference "${text}": repository name is empty`);
  const slash = name.indexOf("/");
  const first = slash < 0 ? "" : name.slice(0, slash);
  const hasDomain = slash >= 0 && (/[.:]/.test(first) || first === "localhost" || first !== first.toLowerCase());
  let domain = hasDomain ? first : DEFAULT_DOMAIN;
  let path = hasDomain ? name.slice(slash + 1) : name;
  if (hasDomain && !DOMAIN.test(domain)) throw invalid(`invalid reference "${text}": "${domain}" is not a valid registry host[:port]`);
  if (domain === "index.docker.io") domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes("/")) path = `library/${path}`;
  if (path !== path.toLowerCase()) throw invalid(`invalid reference "${text}": repository name must be lowercase`);
  for (const component of path.split("/")) {
    if (!PATH_COMPONENT.test(component)) {
      throw invalid(
        `invalid reference "${text}": "${component}" is not a valid name component (lowercase letters and digits, separated by ".", "_", "__" or "-")`,
      );
    }
  }
  return { domain, path };
}

/** The short name Docker shows: `busybox`, `org/app`, `ghcr.io/org/app`. */
export function familiarName(ref: Reference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return `${ref.domain}/${ref.path}`;
  const library = ref.path.startsWith("library/") && ref.path.split("/").length === 2;
  return library ? ref.path.slice("library/".length) : ref.path;
}

/** `busybox:latest` for `busybox`, `docker.io/library/busybox` or `busybox:latest`: the key of a tag in the store. */
export function normalizeTag(text: string): string {
  const ref = parseReference(text);
  if (ref.digest) throw invalid(`invalid tag "${text}": a digest reference cannot be used as a tag`);
  return `${familiarName(ref)}:${ref.tag ?? DEFAULT_TAG}`;
}

/** `busybox@sha256:…`: the key of a repo digest in the store. */
export function familiarDigest(ref: Reference & { digest: string }): string {
  return `${familiarName(ref)}@${ref.digest}`;
}
