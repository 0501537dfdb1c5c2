// Content-addressed blobs: `blobs/sha256/<hex>`. A blob is only ever visible under the digest of its bytes.
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";
import { DigestStream, hexOf } from "./digest.js";
import { DIGEST } from "./reference.js";
import { invalid } from "./errors.js";

export interface BlobInfo {
  digest: string;
  size: number;
}

export class BlobStore {
  readonly #dir: string;
  readonly #tmp: string;

  /** `tmp` must be on the same filesystem as `root`, so that a finished blob can be renamed into place. */
  constructor(root: string, tmp: string) {
    this.#dir = join(root, "blobs", "sha256");
    this.#tmp = tmp;
  }

  async init(): Promise<void> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
  }

  path(digest: string): string {
    if (!DIGEST.test(digest)) throw invalid(`invalid digest "${digest}": expected sha256: and 64 lowercase hex digits`);
    return join(this.#dir, hexOf(digest));
  }

  async has(digest: string): Promise<boolean> {
    return stat(this.path(digest)).then(
      () => true,
      () => false,
    );
  }

  open(digest: string): Readable {
    return createReadStream(this.path(digest));
  }

  /**
   * Stores the stream's bytes. With `expected`, the blob is kept only if its digest matches; the temp file is
   * removed on any failure, so a torn or forged blob never appears under a digest.
   */
  async write(input: Readable, expected?: string): Promise<BlobInfo> {
    const temp = join(this.#tmp, `blob-${randomBytes(8).toString("hex")}`);
    const digester = new DigestStream();
    // Created before the copy starts: a stream opens its file in the background, so a copy that fails at once
    // could otherwise have its temp file appear after the clean-up below.
    const file = await open(temp, "wx", 0o600);
    try {
      await pipeline(input, digester, createWriteStream("", { fd: file, flush: true }));
      const digest = digester.digest();
      if (expected !== undefined && digest !== expected) {
        throw invalid(`blob content has digest ${digest}, expected ${expected}`);
      }
      await rename(temp, this.path(digest));
      return { digest, size: digester.size };
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  /** Moves in a file whose digest the caller computed while writing it (a staged archive member). */
  async adopt(file: BlobInfo & { path: string }): Promise<void> {
    if (!(await this.has(file.digest))) await rename(file.path, this.path(file.digest));
  }

  async list(): Promise<string[]> {
    return (await readdir(this.#dir)).map((hex) => `sha256:${hex}`);
  }

  /** Deletes the blob; returns its size, 0 when it was not there. */
  async remove(digest: string): Promise<number> {
    const size = await stat(this.path(digest)).then((s) => s.size, () => 0);
    await rm(this.path(digest), { force: true });
    return size;
  }
}
