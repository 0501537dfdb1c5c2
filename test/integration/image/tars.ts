// Test helpers: tar archives and images built in memory, and checks that a test left nothing behind.
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";

export interface TarItem {
  name: string;
  type?: "file" | "directory" | "symlink" | "link" | "fifo" | "character-device" | "block-device";
  content?: string | Buffer;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: Date;
  pax?: Record<string, string>;
  devmajor?: number;
  devminor?: number;
}

export async function makeTar(items: TarItem[]): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  tar.on("data", (chunk) => chunks.push(chunk as Buffer));
  const ended = new Promise<void>((resolve, reject) => tar.on("end", () => resolve()).on("error", reject));
  for (const item of items) {
    const type = item.type ?? "file";
    const mode = item.mode ?? (type === "directory" ? 0o755 : 0o644);
    tar.entry({ mtime: new Date(1_600_000_000_000), ...item, type, mode }, type === "file" ? (item.content ?? "") : "");
  }
  tar.finalize();
  await ended;
  return Buffer.concat(chunks);
}

export const sha256 = (data: Buffer | string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;
export const hex = (digest: string) => digest.slice("sha256:".length);

/** A minimal busybox root: /bin/busybox (Debian's busybox-static) and a few applet links. */
export async function busyboxLayer(): Promise<Buffer> {
  return makeTar([
    { name: "bin/", type: "directory" },
    { name: "bin/busybox", content: readFileSync("/bin/busybox"), mode: 0o755 },
    ...["sh", "echo", "cat", "ls", "true"].map((applet) => ({ name: `bin/${applet}`, type: "symlink" as const, linkname: "busybox" })),
    { name: "etc/", type: "directory" },
    { name: "etc/passwd", content: "root:x:0:0:root:/root:/bin/sh\n" },
    { name: "tmp/", type: "directory", mode: 0o1777 },
  ]);
}

export interface TestImage {
  config: Buffer;
  id: string;
  /** Layer blobs as they go into the archive (maybe gzipped). */
  blobs: Buffer[];
  diffIds: string[];
}

/** An image config over `layers` (uncompressed tars); `gzip` compresses the blobs. */
export function makeImage(layers: Buffer[], options: { gzip?: boolean; cmd?: string[]; labels?: Record<string, string> } = {}): TestImage {
  const diffIds = layers.map(sha256);
  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      created: "2024-05-06T07:08:09Z",
      config: { Cmd: options.cmd ?? ["/bin/sh"], Env: ["PATH=/bin"], Labels: options.labels ?? {} },
      rootfs: { type: "layers", diff_ids: diffIds },
    }),
  );
  const blobs = options.gzip ? layers.map((layer) => gzipSync(layer)) : layers;
  return { config, id: sha256(config), blobs, diffIds };
}

/** A legacy `docker save` archive: <id>.json configs, <dir>/layer.tar, manifest.json; repeated layers as symlinks. */
export async function dockerSaveArchive(images: { image: TestImage; tags: string[] }[]): Promise<Buffer> {
  const items: TarItem[] = [];
  const manifest = [];
  const layerDirs = new Map<string, string>();
  for (const { image, tags } of images) {
    const configName = `${hex(image.id)}.json`;
    items.push({ name: configName, content: image.config });
    const layerNames = image.blobs.map((blob, i) => {
      const dir = hex(sha256(`${image.id}/${i}`));
      const known = layerDirs.get(sha256(blob));
      items.push({ name: `${dir}/`, type: "directory" });
      if (known) items.push({ name: `${dir}/layer.tar`, type: "symlink", linkname: `../${known}/layer.tar` });
      else items.push({ name: `${dir}/layer.tar`, content: blob });
      layerDirs.set(sha256(blob), known ?? dir);
      return `${dir}/layer.tar`;
    });
    manifest.push({ Config: configName, RepoTags: tags, Layers: layerNames });
  }
  items.push({ name: "manifest.json", content: JSON.stringify(manifest) });
  return makeTar(items);
}

/** An OCI image layout archive with one manifest per image; `refName` goes in org.opencontainers.image.ref.name. */
export async function ociArchive(images: { image: TestImage; refName?: string }[]): Promise<{ tar: Buffer; manifestDigests: string[] }> {
  const items: TarItem[] = [{ name: "oci-layout", content: '{"imageLayoutVersion":"1.0.0"}' }];
  const blob = (data: Buffer) => {
    const digest = sha256(data);
    if (!items.some((item) => item.name === `blobs/sha256/${hex(digest)}`)) items.push({ name: `blobs/sha256/${hex(digest)}`, content: data });
    return { digest, size: data.length };
  };
  const manifests = [];
  for (const { image, refName } of images) {
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", ...blob(image.config) },
        layers: image.blobs.map((layer) => ({ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...blob(layer) })),
      }),
    );
    manifests.push({
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      ...blob(manifest),
      ...(refName && { annotations: { "org.opencontainers.image.ref.name": refName } }),
    });
  }
  items.push({ name: "index.json", content: JSON.stringify({ schemaVersion: 2, manifests }) });
  return { tar: await makeTar(items), manifestDigests: manifests.map((m) => m.digest) };
}

/** A temp dir for one test; `cleanup` removes it and asserts it is gone. */
export function tempDir(prefix: string): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), `berth-${prefix}-`));
  return {
    path,
    cleanup() {
      rmSync(path, { recursive: true, force: true });
      if (existsSync(path)) throw new Error(`${path} is still there`);
    },
  };
}

/** Every path under `dir` with its type, size and mtime: equal snapshots mean nothing was touched. */
export function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (path: string) => {
    for (const name of readdirSync(path).sort()) {
      const full = join(path, name);
      const stat = statSync(full, { throwIfNoEntry: false });
      out.push(`${full} ${stat ? `${stat.mode.toString(8)} ${stat.size} ${stat.mtimeMs}` : "dangling"}`);
      if (stat?.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return out;
}

export function mountsUnder(dir: string): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter((line) => line.split(" ")[4]?.startsWith(dir));
}
