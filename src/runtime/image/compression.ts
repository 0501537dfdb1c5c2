// Layer blobs may be plain tar or compressed; the bytes say which, whatever the media type claims.
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { createGunzip } from "node:zlib";
import type { Readable } from "node:stream";
import { invalid } from "./errors.js";

const UNSUPPORTED: [magic: number[], name: string][] = [
  [[0x28, 0xb5, 0x2f, 0xfd], "zstd"],
  [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], "xz"],
  [[0x42, 0x5a, 0x68], "bzip2"],
];
const GZIP = [0x1f, 0x8b];

const startsWith = (head: Buffer, magic: number[]) => magic.every((byte, i) => head[i] === byte);

/** The uncompressed tar stream of the layer blob at `path`; `label` names the layer in errors. */
export async function openLayerTar(path: string, label: string): Promise<Readable> {
  const head = Buffer.alloc(6);
  const file = await open(path, "r");
  try {
    await file.read(head, 0, head.length, 0);
  } finally {
    await file.close();
  }
  for (const [magic, name] of UNSUPPORTED) {
    if (startsWith(head, magic)) throw invalid(`layer ${label}: ${name} layers are not supported yet (plain tar and gzip are)`);
  }
  const raw = createReadStream(path);
  if (!startsWith(head, GZIP)) return raw;
  const gunzip = createGunzip();
  raw.on("error", (err) => gunzip.destroy(err));
  return raw.pipe(gunzip);
}
