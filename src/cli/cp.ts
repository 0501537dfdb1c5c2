// `berth cp SERVICE:SRC DEST` / `berth cp SRC SERVICE:DEST`: files between a service's container and the host,
// with docker cp's rules for where they land. Host-side, the archive is written through a RootedDir, so no entry
// of it (no `..`, no symlink it carries or finds) can put anything outside the destination directory.
import { statSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { basename, dirname, posix, resolve } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type Docker from "dockerode";
import { extract, pack } from "tar-stream";
import { UserError } from "../compose/errors.js";
import { engine } from "../engine/client.js";
import { engineCall, isStatus } from "../orchestrate/engine-call.js";
import { EngineError } from "../runtime/container/errors.js";
import { RootedDir } from "../runtime/container/rooted-dir.js";
import type { GlobalOptions } from "./options.js";
import { serviceContainer } from "./service-containers.js";

/** Go's os.ModeDir, as the engine's path stat carries the mode. */
const MODE_DIR = 2 ** 31;

interface Location {
  service?: string;
  path: string;
}

/** `SERVICE:PATH` names a container path; an absolute or `.`-relative path, or one without a colon, is the host's. */
function location(arg: string): Location {
  const colon = arg.indexOf(":");
  if (arg.startsWith("/") || arg.startsWith(".") || colon <= 0) return { path: arg };
  return { service: arg.slice(0, colon), path: arg.slice(colon + 1) };
}

export async function cpCommand(globals: GlobalOptions, source: string, destination: string, options: { index?: string; archive?: boolean }): Promise<void> {
  const from = location(source);
  const to = location(destination);
  if (from.service && to.service) throw new UserError("copying between services is not supported");
  if (!from.service && !to.service) throw new UserError("one of source and destination must be SERVICE:PATH");
  const docker = await engine({ host: globals.host });
  const target = await serviceContainer(docker, globals, (from.service ?? to.service)!, options.index, false);
  const container = docker.getContainer(target.id);
  if (from.service) await fromContainer(container, from.path, to.path, options.archive ?? false);
  else await toContainer(container, from.path, to.path, options.archive ?? false);
}

async function fromContainer(container: Docker.Container, path: string, dest: string, archive: boolean): Promise<void> {
  const tar = (await engineCall(() => container.getArchive({ path }))) as NodeJS.ReadableStream;
  if (dest === "-") return void (await pipeline(tar, process.stdout));
  const existing = statSync(dest, { throwIfNoEntry: false });
  // into an existing directory under the source's own name; else as `dest` itself
  const [directory, rootName] = existing?.isDirectory() ? [dest, undefined] : [dirname(resolve(dest)), basename(dest)];
  if (!existing && dest.endsWith("/")) throw new UserError(`destination directory "${dest}" does not exist`);
  if (!statSync(directory, { throwIfNoEntry: false })?.isDirectory()) throw new UserError(`destination directory "${dirname(dest)}" does not exist`);
  const owner = archive ? undefined : { uid: process.getuid!(), gid: process.getgid!() };
  const root = RootedDir.open(directory);
  try {
    const entries = extract();
    const extracting = (async () => {
      for await (const entry of entries) {
        const parts = posix.normalize(entry.header.name).replace(/^\/+/, "").split("/").filter(Boolean);
        if (parts.includes("..")) throw new UserError(`refusing archive entry "${entry.header.name}": it leads outside the destination`);
        if (rootName !== undefined) parts[0] = rootName;
        if (existing && !existing.isDirectory() && entry.header.type === "directory" && parts.length === 1) throw new UserError(`cannot copy a directory to the file "${dest}"`);
        await root.write(parts.join("/"), entry.header, entry as AsyncIterable<Buffer>, { noOverwriteDirNonDir: true, owner }).catch((err: unknown) => {
          throw err instanceof EngineError ? new UserError(err.message) : err; // the archive's fault, not berth's
        });
      }
    })();
    // on a refused entry, the engine's stream is dropped: left open, it would keep the process alive
    await Promise.all([pipeline(tar, entries), extracting]).catch((err: unknown) => {
      (tar as Readable).destroy();
      throw err;
    });
  } finally {
    root.close();
  }
}

async function toContainer(container: Docker.Container, source: string, dest: string, archive: boolean): Promise<void> {
  const host = resolve(source);
  const stat = statSync(host, { throwIfNoEntry: false });
  if (!stat) throw new UserError(`lstat ${source}: no such file or directory`);
  const destIsDir = await containerPathIsDirectory(container, dest);
  if (destIsDir === false && stat.isDirectory()) throw new UserError(`cannot copy a directory to the file "${dest}"`);
  // into an existing directory under the source's own name; else as `dest` itself, in its parent
  const [directory, name] = destIsDir ? [dest, basename(host)] : [posix.dirname(dest), posix.basename(dest)];
  const tar = pack();
  const root = RootedDir.open(dirname(host));
  const packing = root
    .pack(tar, basename(host), name)
    .then(() => tar.finalize())
    .finally(() => root.close());
  await Promise.all([engineCall(() => container.putArchive(tar as unknown as NodeJS.ReadableStream, { path: directory, copyUIDGID: archive })), packing]);
}

/** true: a directory; false: something else; undefined: nothing there. */
async function containerPathIsDirectory(container: Docker.Container, path: string): Promise<boolean | undefined> {
  try {
    const response = (await container.infoArchive({ path })) as IncomingMessage;
    response.destroy(); // a HEAD answer: all is in the headers, and a response left open keeps the process alive
    const stat = JSON.parse(Buffer.from(String(response.headers["x-docker-container-path-stat"] ?? ""), "base64").toString()) as { mode: number };
    return stat.mode >= MODE_DIR && Math.floor(stat.mode / MODE_DIR) % 2 === 1;
  } catch (err) {
    if (isStatus(err, 404)) return undefined;
    return engineCall(() => Promise.reject(err));
  }
}
