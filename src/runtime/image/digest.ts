// sha256 digests of streamed content, computed while the bytes pass through.
import { createHash, type Hash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";

/** A pass-through stream that hashes and counts what flows through it. */
export class DigestStream extends Transform {
  readonly #hash: Hash = createHash("sha256");
  size = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#hash.update(chunk);
    this.size += chunk.length;
    done(null, chunk);
  }

  /** `sha256:<hex>`; only valid once the stream has ended. */
  digest(): string {
    return `sha256:${this.#hash.digest("hex")}`;
  }
}

export function sha256(data: string | Uint8Array): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/** `abcdef012345` from `sha256:abcdef012345…`: the short id Docker prints. */
export const shortId = (digest: string) => digest.replace(/^sha256:/, "").slice(0, 12);

export const hexOf = (digest: string) => digest.replace(/^sha256:/, "");
