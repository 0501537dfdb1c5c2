// Blob bytes from a registry are trusted only once every one of them has been counted and hashed: a stream
// that fails when the content is longer or shorter than its descriptor says, or has another digest.
import { createHash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { invalid } from "../errors.js";
import type { Descriptor } from "./manifest.js";

export class VerifyStream extends Transform {
  readonly #hash = createHash("sha256");
  #received = 0;

  constructor(
    readonly descriptor: Descriptor,
    /** Hears the running byte count, for progress. */
    readonly onProgress: (received: number) => void = () => {},
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#received += chunk.length;
    if (this.#received > this.descriptor.size) return done(this.#failure(`the registry sent more than the ${this.descriptor.size} bytes its manifest lists`));
    this.#hash.update(chunk);
    this.onProgress(this.#received);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.#received !== this.descriptor.size) return done(this.#failure(`the registry sent ${this.#received} bytes, its manifest lists ${this.descriptor.size}`));
    const digest = `sha256:${this.#hash.digest("hex")}`;
    if (digest !== this.descriptor.digest) return done(this.#failure(`the content has digest ${digest}`));
    done();
  }

  /** dockerd's wording, with what exactly did not match. */
  #failure(detail: string): Error {
    return invalid(`filesystem layer verification failed for digest ${this.descriptor.digest}: ${detail}`);
  }
}
