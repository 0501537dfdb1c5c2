// Unpacked layers: `layers/<diff id hex>/`, one directory per distinct layer content, shared by every image
// that has it. A layer directory appears complete or not at all: it is unpacked in a temp directory on the
// same filesystem and renamed into place.
import { chmod, mkdir, mkdtemp, readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { openLayerTar } from "./compression.js";
import { DigestStream, hexOf, shortId } from "./digest.js";
import { invalid } from "./errors.js";
import { unpackLayer } from "./unpack.js";

export class LayerStore {
  readonly #dir: string;
  readonly #tmp: string;

  constructor(root: string, tmp: string) {
    this.#dir = join(root, "layers");
    this.#tmp = tmp;
  }

  async init(): Promise<void> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
  }

  path(diffId: string): string {
    return join(this.#dir, hexOf(diffId));
  }

  async has(diffId: string): Promise<boolean> {
    return stat(this.path(diffId)).then(
      () => true,
      () => false,
    );
  }

  /**
   * Makes sure the layer in the blob at `blobPath` is unpacked, checking that its uncompressed content has
   * `diffId`. Returns the uncompressed size. Safe to run concurrently for the same layer: one copy wins.
   */
  async ensure(blobPath: string, diffId: string): Promise<number> {
    const label = `sha256:${shortId(diffId)}`;
    const tar = await openLayerTar(blobPath, label);
    const digester = new DigestStream();
    tar.on("error", (err) => digester.destroy(err));
    tar.pipe(digester);

    if (await this.has(diffId)) {
      // Already unpacked: still read the blob, so an image cannot claim a layer its archive does not hold.
      await pipeline(digester, new Writable({ write: (_chunk, _encoding, done) => done() }));
      checkDiffId(digester, diffId, label);
      return digester.size;
    }

    const temp = await mkdtemp(join(this.#tmp, "layer-"));
    try {
      await chmod(temp, 0o755); // what a layer root is unless the tar's "./" entry says otherwise
      await unpackLayer(digester, temp, label);
      checkDiffId(digester, diffId, label);
      await rename(temp, this.path(diffId)).catch((err: NodeJS.ErrnoException) => {
        // Someone else unpacked the same layer meanwhile: theirs is as good as ours, ours goes below.
        if (err.code !== "ENOTEMPTY" && err.code !== "EEXIST") throw err;
      });
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
    return digester.size;
  }

  /** Diff IDs of the unpacked layers. */
  async list(): Promise<string[]> {
    return (await readdir(this.#dir)).map((hex) => `sha256:${hex}`);
  }

  async remove(diffId: string): Promise<void> {
    await rm(this.path(diffId), { recursive: true, force: true });
  }
}

function checkDiffId(digester: DigestStream, expected: string, label: string): void {
  const actual = digester.digest();
  if (actual !== expected) {
    throw invalid(`layer ${label}: uncompressed content has digest ${actual}, but the image config lists diff ID ${expected}`);
  }
}
