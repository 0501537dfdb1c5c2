// The images a build starts from (FROM) or copies out of (COPY --from=IMAGE): the store's, or pulled from their
// registry as dockerd's classic builder does when the engine lacks one, or for every one when the build asks
// for the newest (pull=1). Each name is looked up once per build, so all its stages see the same image.
import { EngineError } from "../image/errors.js";
import { hostArchitecture } from "../image/platform.js";
import type { Credentials } from "../image/registry/credentials.js";
import type { RegistryConfig } from "../image/registry/hosts.js";
import { parsePlatform } from "../image/registry/manifest.js";
import type { ProgressSink } from "../image/registry/progress.js";
import { fetchImage, resolveImage } from "../image/registry/pull.js";
import { parseReference } from "../image/reference.js";
import type { ImageStore } from "../image/store.js";

export interface PullSettings {
  /** Pull even the images the store has (docker build --pull); built-in ones (berth/host) never are. */
  always: boolean;
  registry: RegistryConfig;
  /** By registry domain, from the request's X-Registry-Config; a registry it lacks gets berthd's config.json's. */
  credentials: Map<string, Credentials>;
}

export class BaseImages {
  /** Name → image id, for names already looked up (or being pulled) in this build. */
  readonly #ids = new Map<string, Promise<string>>();

  constructor(
    private readonly images: ImageStore,
    private readonly settings: PullSettings,
    /** The pull's progress messages, which go into the build's output stream as dockerd sends them. */
    private readonly send: ProgressSink,
    private readonly signal?: AbortSignal,
  ) {}

  /** The id of the image `name` names, pulling it if need be. */
  get(name: string): Promise<string> {
    let id = this.#ids.get(name);
    if (id === undefined) {
      id = this.#find(name);
      this.#ids.set(name, id);
    }
    return id;
  }

  async #find(name: string): Promise<string> {
    const local = this.#local(name);
    if (local !== undefined && (!this.settings.always || local.builtin)) return local.id;
    const reference = parseReference(name);
    const platform = parsePlatform(`linux/${hostArchitecture()}`);
    const credentials = this.settings.credentials.get(reference.domain);
    const resolved = await resolveImage({ reference, platform, credentials, config: this.settings.registry, signal: this.signal });
    return (await fetchImage(resolved, this.images, this.send, this.signal)).id;
  }

  #local(name: string): { id: string; builtin: boolean } | undefined {
    try {
      return this.images.get(name);
    } catch (err) {
      if (err instanceof EngineError) return undefined;
      throw err;
    }
  }
}
