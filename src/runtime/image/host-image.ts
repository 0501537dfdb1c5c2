// berth/host:latest, a berth extension: an image made of the host's own /usr (bound read-only, never copied)
// and a small generated layer with a minimal /etc and the usual empty directories. Stacks can run node,
// python3 or any host program with no registry. Nothing else of the host is visible in it.
import { lstat, readFile, readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import { pack } from "tar-stream";
import { sha256 } from "./digest.js";
import { hostArchitecture } from "./platform.js";

export const HOST_IMAGE_TAG = "berth/host:latest";

/** Top-level directories a merged-/usr system links into /usr; on other systems they are bound too. */
const USR_MERGED = ["bin", "lib", "lib32", "lib64", "libx32", "sbin"];

export type BuiltinLayer =
  | { kind: "host-bind"; diffId: string; source: string; target: string }
  | { kind: "generated"; diffId: string; tar: Buffer };

export interface BuiltinImage {
  tag: string;
  config: Buffer;
  /** Bottom first. */
  layers: BuiltinLayer[];
}

interface TarEntry {
  name: string;
  type: "directory" | "file" | "symlink";
  mode?: number;
  content?: Buffer | string;
  linkname?: string;
}

const PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
const GROUP = "root:x:0:\nnobody:x:65534:\n";
const HOSTS = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
const RESOLV_CONF = "# berthd gives every container its own resolv.conf over this file.\n";
const NSSWITCH = "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n";
const OS_RELEASE = 'NAME="berth host"\nID=berth-host\nPRETTY_NAME="berth/host (the host\'s /usr, read-only)"\n';
const PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

const hostBind = (source: string, target: string): BuiltinLayer => ({ kind: "host-bind", diffId: sha256(`host-bind:${source}`), source, target });

/** Builds the image from the host rooted at `host` ("/" but in tests). Same host content, same image id. */
export async function hostImage(host = "/"): Promise<BuiltinImage> {
  const binds = [hostBind(join(host, "usr"), "/usr")];
  const entries: TarEntry[] = [
    ...["dev", "etc", "home", "proc", "sys", "usr", "var"].map((name) => ({ name, type: "directory" as const })),
    { name: "root", type: "directory", mode: 0o700 },
    { name: "run", type: "directory" },
    { name: "tmp", type: "directory", mode: 0o1777 },
    { name: "etc/passwd", type: "file", content: PASSWD },
    { name: "etc/group", type: "file", content: GROUP },
    { name: "etc/hosts", type: "file", content: HOSTS },
    { name: "etc/resolv.conf", type: "file", content: RESOLV_CONF },
    { name: "etc/nsswitch.conf", type: "file", content: NSSWITCH },
    { name: "etc/os-release", type: "file", content: OS_RELEASE },
  ];
  for (const name of USR_MERGED) {
    const stat = await lstat(join(host, name)).catch(() => null);
    if (stat?.isSymbolicLink()) entries.push({ name, type: "symlink", linkname: await readlink(join(host, name)) });
    else if (stat?.isDirectory()) {
      entries.push({ name, type: "directory" });
      binds.push(hostBind(join(host, name), `/${name}`));
    }
  }
  entries.push(...(await certificates(join(host, "etc/ssl/certs"))));

  const tar = await tarOf(entries);
  const layers: BuiltinLayer[] = [...binds, { kind: "generated", diffId: sha256(tar), tar }];
  const config = {
    architecture: hostArchitecture(),
    os: "linux",
    created: new Date(0).toISOString(),
    config: { Env: [PATH], Cmd: ["/bin/sh"], Labels: { "org.opencontainers.image.description": "berth built-in: the host's /usr, read-only, with a minimal /etc" } },
    rootfs: { type: "layers", diff_ids: layers.map((layer) => layer.diffId) },
  };
  return { tag: HOST_IMAGE_TAG, config: Buffer.from(JSON.stringify(config)), layers };
}

/** /etc/ssl/certs as the host has it: files copied, links kept as links (the hash links point into /usr). */
async function certificates(hostDir: string, name = "etc/ssl/certs"): Promise<TarEntry[]> {
  const names = await readdir(hostDir).catch(() => null);
  if (names === null) return [];
  const entries: TarEntry[] = name === "etc/ssl/certs" ? [{ name: "etc/ssl", type: "directory" }] : [];
  entries.push({ name, type: "directory" });
  for (const child of names.sort()) {
    const path = join(hostDir, child);
    const stat = await lstat(path);
    if (stat.isSymbolicLink()) entries.push({ name: `${name}/${child}`, type: "symlink", linkname: await readlink(path) });
    else if (stat.isFile()) entries.push({ name: `${name}/${child}`, type: "file", content: await readFile(path) });
    else if (stat.isDirectory()) entries.push(...(await certificates(path, `${name}/${child}`)));
  }
  return entries;
}

/** A reproducible tar: fixed times and owners, so the layer's diff ID depends on content alone. */
async function tarOf(entries: TarEntry[]): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  tar.on("data", (chunk) => chunks.push(chunk as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    tar.on("end", resolve);
    tar.on("error", reject);
  });
  for (const entry of entries) {
    const mode = entry.mode ?? (entry.type === "file" ? 0o644 : entry.type === "symlink" ? 0o777 : 0o755);
    const header = { name: entry.name, type: entry.type, mode, mtime: new Date(0), uid: 0, gid: 0, linkname: entry.linkname ?? "" };
    tar.entry(header, entry.content ?? "");
  }
  tar.finalize();
  await ended;
  return Buffer.concat(chunks);
}
