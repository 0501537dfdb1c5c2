// A registry API v2 client for one repository: manifests and blobs, down and up, answering auth challenges
// as they come.
import { Readable } from "node:stream";
import { sha256 } from "../digest.js";
import { EngineError } from "../errors.js";
import { familiarName, type Reference } from "../reference.js";
import { authorize, causeOf, parseChallenge } from "./auth.js";
import type { Credentials } from "./credentials.js";
import { plainHttpAllowed, type Endpoint, type RegistryConfig } from "./hosts.js";
import { MANIFEST_ACCEPT } from "./manifest.js";

/** A registry's refusal or a failure to reach it; `status` is what the Engine API answers with (as dockerd does). */
export class RegistryError extends Error {
  override name = "RegistryError";
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Manifests are small; a bigger answer is no manifest. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  /** sha256 of the bytes: what a pull by digest must match, and the image's repo digest. */
  digest: string;
}

interface RequestOptions {
  headers?: Record<string, string>;
  /** A streamed body cannot be sent twice: such a request must come after the client has authenticated. */
  body?: Buffer | Readable;
  /** Statuses that are no error (besides 2xx). */
  accept?: number[];
  signal?: AbortSignal;
}

export class RegistryClient {
  #authorization: string | undefined;

  constructor(
    readonly endpoint: Endpoint,
    readonly reference: Reference,
    readonly config: RegistryConfig,
    readonly credentials?: Credentials,
    /** What the client will do, for the token's scope. */
    readonly access: "pull" | "push" = "pull",
  ) {}

  /** `library/busybox`. */
  get repository(): string {
    return this.reference.path;
  }

  /** The manifest `reference` (a tag or a digest) names; a digest is checked against the bytes. */
  async manifest(reference: string, signal?: AbortSignal): Promise<FetchedManifest> {
    const response = await this.#request("GET", `manifests/${reference}`, { headers: { Accept: MANIFEST_ACCEPT }, signal });
    const length = Number(response.headers.get("content-length") ?? 0);
    if (length > MAX_MANIFEST_BYTES) {
      await response.body?.cancel();
      throw new RegistryError(`manifest ${reference} is ${length} bytes; manifests over ${MAX_MANIFEST_BYTES} bytes are refused`, 500);
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    const digest = sha256(bytes);
    if (reference.startsWith("sha256:") && digest !== reference) {
      throw new RegistryError(`manifest verification failed for digest ${reference}: the registry sent content with digest ${digest}`, 500);
    }
    return { bytes, mediaType: response.headers.get("content-type") ?? "", digest };
  }

  /** The blob's bytes as they arrive; the caller checks them (see verify.ts). */
  async blob(digest: string, signal?: AbortSignal): Promise<Readable> {
    const response = await this.#request("GET", `blobs/${digest}`, { signal });
    const body = Readable.fromWeb(response.body! as import("node:stream/web").ReadableStream<Uint8Array>);
    // An abort after the headers does not always error the body once it is being read: a copy from it could wait
    // forever, and with it the pull that cancelled it. So the abort ends it here.
    if (signal) {
      const cancel = () => body.destroy(signal.reason);
      signal.addEventListener("abort", cancel, { once: true });
      body.once("close", () => signal.removeEventListener("abort", cancel));
      if (signal.aborted) cancel();
    }
    return body;
  }

  /** Whether the repository has the blob (a push skips it then). */
  async hasBlob(digest: string, signal?: AbortSignal): Promise<boolean> {
    const response = await this.#request("HEAD", `blobs/${digest}`, { accept: [404], signal });
    return response.status !== 404;
  }

  /** Uploads a blob in one PUT; the registry checks it against `digest`. */
  async uploadBlob(digest: string, size: number, content: Readable, signal?: AbortSignal): Promise<void> {
    const started = await this.#request("POST", "blobs/uploads/", { body: Buffer.alloc(0), signal });
    const location = started.headers.get("location");
    if (!location) throw new RegistryError(`the registry started an upload of ${digest} without saying where to send it (no Location)`, 500);
    const url = new URL(location, `${this.endpoint.url}/`);
    url.searchParams.set("digest", digest);
    const headers = { "Content-Type": "application/octet-stream", "Content-Length": String(size) };
    await this.#request("PUT", url.href, { headers, body: content, signal });
  }

  /** Stores a manifest under `tag`; returns its digest. */
  async putManifest(tag: string, mediaType: string, bytes: Buffer, signal?: AbortSignal): Promise<string> {
    await this.#request("PUT", `manifests/${tag}`, { headers: { "Content-Type": mediaType }, body: bytes, signal });
    return sha256(bytes);
  }

  /**
   * A request under /v2/<repository>/ (or to an absolute URL the registry gave), answering one auth
   * challenge; any other non-2xx answer is a RegistryError.
   */
  async #request(method: string, path: string, options: RequestOptions): Promise<Response> {
    const url = /^https?:\/\//.test(path) ? path : `${this.endpoint.url}/v2/${this.repository}/${path}`;
    let response = await this.#send(method, url, options);
    if (response.status === 401 && this.#authorization === undefined && !(options.body instanceof Readable)) {
      const header = response.headers.get("www-authenticate");
      await response.body?.cancel();
      if (!header) throw new RegistryError(`${method} "${url}": 401 Unauthorized without a WWW-Authenticate challenge`, 401);
      const scope = `repository:${this.repository}:${this.access === "push" ? "pull,push" : "pull"}`;
      try {
        this.#authorization = await authorize(parseChallenge(header), scope, this.credentials, (u) => this.#checkTokenUrl(u), options.signal);
      } catch (err) {
        if (err instanceof EngineError) throw new RegistryError(err.message, 401);
        throw err;
      }
      response = await this.#send(method, url, options);
    }
    if (response.ok || options.accept?.includes(response.status)) return response;
    const detail = await registryErrors(response);
    if (response.status === 401 || response.status === 403) {
      const denied = detail || "denied: requested access to the resource is denied";
      throw new RegistryError(
        this.access === "push" ? denied : `pull access denied for ${this.#name()}, repository does not exist or may require 'docker login': ${denied}`,
        response.status,
      );
    }
    if (response.status === 404 && method === "GET") {
      const what = path.startsWith("manifests/") ? `manifest for ${this.#name()}${refSuffix(path.slice("manifests/".length))}` : `blob ${path.slice("blobs/".length)} of ${this.#name()}`;
      throw new RegistryError(`${what} not found${detail ? `: ${detail}` : ""}`, 404);
    }
    throw new RegistryError(`${method} "${url}": ${response.status} ${response.statusText}${detail ? `: ${detail}` : ""}`, 500);
  }

  async #send(method: string, url: string, { headers, body, signal }: RequestOptions): Promise<Response> {
    const init = {
      method,
      headers: { ...headers, ...(this.#authorization && { Authorization: this.#authorization }) },
      signal,
      ...(body !== undefined && { body: body instanceof Readable ? (Readable.toWeb(body) as ReadableStream) : new Uint8Array(body), duplex: "half" }),
    };
    try {
      return await fetch(url, init as RequestInit);
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new RegistryError(`${method} "${url}": ${causeOf(err)}`, 500);
    }
  }

  #checkTokenUrl(url: URL): void {
    if (url.protocol === "https:" || (url.protocol === "http:" && plainHttpAllowed(url.host, this.config))) return;
    throw new RegistryError(`refusing to send credentials to the token server ${url.origin}: it is not HTTPS (add it to insecure-registries if it is trusted)`, 500);
  }

  #name(): string {
    return familiarName(this.reference);
  }
}

const refSuffix = (reference: string) => (reference.startsWith("sha256:") ? `@${reference}` : `:${reference}`);

/** A registry's error body `{"errors": [{"code", "message"}]}` as `manifest unknown: manifest unknown`, or the text. */
async function registryErrors(response: Response): Promise<string> {
  const text = (await response.text().catch(() => "")).trim();
  try {
    const { errors } = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    if (Array.isArray(errors)) return errors.map((e) => `${(e.code ?? "").toLowerCase().replace(/_/g, " ")}: ${e.message ?? ""}`).join("; ");
  } catch {
    // not JSON: the text itself, shortened
  }
  return text.slice(0, 200);
}
