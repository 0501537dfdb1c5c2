// The build cache: which image a build step made, keyed by the image it started from, the instruction as
// expanded, and the digest of the files it read. A hit skips the step; an entry whose image was deleted misses.
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../../state/atomic.js";
import { sha256 } from "../image/digest.js";

export class BuildCache {
  readonly #path: string;
  readonly #entries: Record<string, string>;
  #writes: Promise<unknown> = Promise.resolve();

  constructor(path: string) {
    this.#path = path;
    try {
      this.#entries = JSON.parse(readFileSync(path, "utf8")) as Record<string, string>;
    } catch {
      this.#entries = {};
    }
  }

  static key(parent: string, instruction: string, contentDigest = ""): string {
    return sha256(JSON.stringify([parent, instruction, contentDigest]));
  }

  get(key: string): string | undefined {
    return this.#entries[key];
  }

  async set(key: string, imageId: string): Promise<void> {
    this.#entries[key] = imageId;
    const text = JSON.stringify(this.#entries) + "\n";
    this.#writes = this.#writes.then(() => writeFileAtomic(this.#path, text, 0o600));
    await this.#writes;
  }
}
