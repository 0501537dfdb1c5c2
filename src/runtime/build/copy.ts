// What COPY and ADD put into the image: entries (path in the image, type, mode, owner, content) gathered from the
// build context, from another stage or image (a tar of the path, as `docker cp` gives it), or from a heredoc.
// Their digest (content and metadata, not mtimes) keys the build cache; their tar is extracted into the step's
// container. Reading the context never leaves it: a source is refused if its real path is outside.
import { createHash } from "node:crypto";
import { lstatSync, readFileSync, readdirSync, readlinkSync, realpathSync } from "node:fs";
import { join, posix } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { extract, pack } from "tar-stream";
import { hasWildcard, patternRegex, type IgnoreRules } from "./patterns.js";

export interface CopyEntry {
  /** Path in the image, relative to / (no leading slash). */
  name: string;
  type: "file" | "directory" | "symlink";
  mode: number;
  mtime: Date;
  linkname?: string;
  content?: Buffer;
}

export interface Ownership {
  uid: number;
  gid: number;
  /** --chmod: applies to files and directories alike. */
  mode?: number;
}

export class CopyError extends Error {}

/** A source's entries with names relative to the source: "" is the source itself. */
type SourceEntries = CopyEntry[];

/** The context paths `pattern` names (a path or a glob), relative to the context; excluded ones do not exist. */
export function matchContext(dir: string, ignore: IgnoreRules, pattern: string): string[] {
  const cleaned = posix.normalize(`/${pattern}`).slice(1).replace(/\/$/, "");
  if (!hasWildcard(cleaned)) {
    if (cleaned !== "" && (ignore.ignores(cleaned) || !exists(join(dir, cleaned)))) {
      throw new CopyError(`file not found in build context or excluded by .dockerignore: stat ${cleaned}: file does not exist`);
    }
    return [cleaned];
  }
  const regex = patternRegex(cleaned);
  const depth = cleaned.split("/").length;
  const found: string[] = [];
  const walk = (relative: string, level: number) => {
    for (const name of readdirSync(join(dir, relative)).sort()) {
      const path = relative === "" ? name : `${relative}/${name}`;
      if (ignore.ignores(path)) continue;
      if (level === depth) {
        if (regex.test(path)) found.push(path);
      } else if (lstatSync(join(dir, path)).isDirectory()) walk(path, level + 1);
    }
  };
  walk("", 1);
  if (found.length === 0) throw new CopyError(`no source files were specified: "${pattern}" matches nothing in the build context`);
  return found;
}

const exists = (path: string) => {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
};

/** The context path `relative` and what is below it, without what .dockerignore excludes. */
export function contextEntries(dir: string, ignore: IgnoreRules, relative: string): SourceEntries {
  const root = realpathSync(dir);
  const top = realpathSync(join(dir, relative));
  if (top !== root && !top.startsWith(`${root}/`)) throw new CopyError(`forbidden path outside the build context: ${relative}`);
  const entries: SourceEntries = [];
  const add = (host: string, name: string, contextPath: string) => {
    const stats = lstatSync(host);
    const base = { name, mode: stats.mode & 0o7777, mtime: stats.mtime };
    if (stats.isDirectory()) {
      entries.push({ ...base, type: "directory" });
      for (const child of readdirSync(host).sort()) {
        const childPath = contextPath === "" ? child : `${contextPath}/${child}`;
        if (!ignore.ignores(childPath)) add(join(host, child), name === "" ? child : `${name}/${child}`, childPath);
      }
    } else if (stats.isSymbolicLink()) {
      entries.push({ ...base, type: "symlink", linkname: readlinkSync(host) });
    } else if (stats.isFile()) {
      entries.push({ ...base, type: "file", content: readFileSync(host) });
    }
  };
  // The source itself is followed when it is a symlink (inside the context, as checked), as Docker does.
  add(top, "", relative);
  return entries;
}

/** The entries of a tar (`docker cp`'s archive of a path, or an ADD archive); `strip` drops the first component. */
export async function tarEntries(tar: Readable, strip: boolean): Promise<SourceEntries> {
  const entries: SourceEntries = [];
  const reader = extract();
  const feeding = pipeline(tar, reader);
  try {
    for await (const entry of reader) {
      const { header } = entry;
      const chunks: Buffer[] = [];
      for await (const chunk of entry as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
      let name = posix.normalize(`/${header.name}`).slice(1).replace(/\/$/, "");
      if (strip) name = name.split("/").slice(1).join("/");
      // Hard links, devices and fifos are not copied, as the container archive endpoints do not write them.
      if (header.type !== "file" && header.type !== "directory" && header.type !== "symlink") continue;
      entries.push({ name, type: header.type, mode: (header.mode ?? 0o644) & 0o7777, mtime: header.mtime ?? new Date(0), linkname: header.linkname ?? undefined, content: Buffer.concat(chunks) });
    }
  } catch (err) {
    await feeding.catch(() => undefined);
    throw err;
  }
  await feeding;
  return entries;
}

/** Whether the file content is a tar archive (plain or gzip), which ADD extracts. */
export function isArchive(content: Buffer): boolean {
  if (content[0] === 0x1f && content[1] === 0x8b) return true;
  return content.length >= 512 && content.subarray(257, 262).toString() === "ustar";
}

export async function archiveEntries(content: Buffer): Promise<SourceEntries> {
  const plain = Readable.from([content]);
  return tarEntries(content[0] === 0x1f ? plain.pipe(createGunzip()) : plain, false);
}

/**
 * Places one source's entries at `dest` (absolute): a directory's content goes into dest, a file goes to dest, or
 * into it when dest ends with "/" (`intoDir`).
 */
export function place(source: SourceEntries, sourceName: string, dest: string, intoDir: boolean): CopyEntry[] {
  const top = source.find((e) => e.name === "");
  const target = dest.replace(/^\/+/, "").replace(/\/+$/, "");
  const under = (name: string) => [target, name].filter((p) => p !== "").join("/");
  // An archive without a "./" entry is a directory's content too.
  if (!top || top.type === "directory") {
    return source.filter((e) => e.name !== "").map((e) => ({ ...e, name: under(e.name) }));
  }
  return source.map((e) => ({ ...e, name: intoDir ? under(posix.basename(sourceName)) : target }));
}

/** Applies --chmod; missing parent directories are made when the entries are extracted (root-owned, 0755, as in Docker). */
export function withMode(entries: CopyEntry[], owner: Ownership): CopyEntry[] {
  return entries.map((e) => ({ ...e, mode: owner.mode !== undefined && e.type !== "symlink" ? owner.mode : e.mode }));
}

/** Digest of the entries' names, types, modes, link targets and content: what the cache key needs. */
export function entriesDigest(entries: CopyEntry[], owner: Ownership): string {
  const hash = createHash("sha256");
  hash.update(JSON.stringify([owner.uid, owner.gid]));
  for (const e of entries) {
    hash.update(JSON.stringify([e.name, e.type, e.mode, e.linkname ?? "", e.content?.length ?? 0]));
    if (e.content) hash.update(e.content);
  }
  return `sha256:${hash.digest("hex")}`;
}

/** The entries as a tar to extract at "/". */
export function entriesTar(entries: CopyEntry[], owner: Ownership): Readable {
  const tar = pack();
  for (const e of entries) {
    const header = { name: e.type === "directory" ? `${e.name}/` : e.name, type: e.type, mode: e.mode, uid: owner.uid, gid: owner.gid, mtime: e.mtime };
    if (e.type === "symlink") tar.entry({ ...header, linkname: e.linkname });
    else if (e.type === "file") tar.entry(header, e.content ?? Buffer.alloc(0));
    else tar.entry(header);
  }
  tar.finalize();
  return tar as unknown as Readable;
}
