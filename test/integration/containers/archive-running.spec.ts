// PUT/GET/HEAD /containers/{id}/archive on RUNNING containers (through their own mount namespace, so volumes,
// binds and tmpfs are there), and on stopped ones with paths under a volume: Docker's options
// (noOverwriteDirNonDir, copyUIDGID), its read-only refusals, and symlinks in the container — also ones the
// container makes while it runs — that never lead to the host.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import type Docker from "dockerode";
import { extract } from "tar-stream";
import { makeTar } from "../image/tars.js";
import { BUSYBOX, demux, useEngine, type Engine } from "./helpers.js";

describe("containers: copying to and from running containers (integration, root)", function () {
  this.timeout(60_000);
  let engine: Engine;
  let docker: Docker;
  let hostDir: string;
  useEngine((started) => {
    engine = started;
    docker = started.docker;
  });
  before(() => (hostDir = mkdtempSync(join(tmpdir(), "berth-archive-host-"))));
  after(() => {
    rmSync(hostDir, { recursive: true, force: true });
    assert.equal(existsSync(hostDir), false);
  });

  const statusOf = (err: unknown) => (err as { statusCode: number }).statusCode;
  const messageOf = (err: unknown) => (err as { json?: { message?: string } }).json?.message ?? (err as Error).message;

  /** A running busybox container that first runs `setup` (e.g. making symlinks), then sleeps. */
  async function running(setup: string, options: Partial<Docker.ContainerCreateOptions> = {}): Promise<Docker.Container> {
    const container = await docker.createContainer({ Image: BUSYBOX, Cmd: ["sh", "-c", `${setup} && touch /dev/shm/ready && exec sleep 600`], ...options });
    await container.start();
    await execIn(container, "while [ ! -e /dev/shm/ready ]; do sleep 0.05; done");
    return container;
  }

  async function execIn(container: Docker.Container, script: string): Promise<string> {
    const exec = await container.exec({ Cmd: ["sh", "-c", script], AttachStdout: true, AttachStderr: true });
    const { stdout, stderr } = await demux(docker, await exec.start({ hijack: true, stdin: false }));
    assert.equal((await exec.inspect()).ExitCode, 0, `${script}: ${stderr}`);
    return stdout;
  }

  /** The entries of a GET archive: "type name" → content. */
  async function getArchive(container: Docker.Container, path: string): Promise<Map<string, string>> {
    const files = new Map<string, string>();
    const entries = extract();
    Readable.from((await container.getArchive({ path })) as unknown as AsyncIterable<Buffer>).pipe(entries);
    for await (const entry of entries) {
      let content = "";
      for await (const chunk of entry as unknown as AsyncIterable<Buffer>) content += chunk;
      files.set(`${entry.header.type} ${entry.header.name}`, entry.header.type === "symlink" ? `-> ${entry.header.linkname}` : content);
    }
    return files;
  }

  /** HEAD archive's X-Docker-Container-Path-Stat, decoded. */
  function headStat(container: Docker.Container, path: string): Promise<{ status: number; stat?: { name: string; size: number; mode: number; linkTarget: string } }> {
    return new Promise((resolve, reject) => {
      const url = `/containers/${container.id}/archive?path=${encodeURIComponent(path)}`;
      request({ socketPath: engine.daemon.socket, method: "HEAD", path: url }, (res) => {
        res.resume();
        const header = res.headers["x-docker-container-path-stat"];
        resolve({ status: res.statusCode!, ...(header && { stat: JSON.parse(Buffer.from(String(header), "base64").toString()) }) });
      }).once("error", reject).end();
    });
  }

  it("writes into the rootfs, a named volume, a bind and a tmpfs of a running container, and reads them back", async () => {
    writeFileSync(join(hostDir, "seen"), "host file\n");
    const container = await running("mkdir -p /srv", { HostConfig: { Binds: ["arch-data:/data", `${hostDir}:/hostdir`], Tmpfs: { "/scratch": "" } } });
    await container.putArchive(await makeTar([
      { name: "tmp/in/f", content: "rootfs\n", mode: 0o640, uid: 1000, gid: 50 },
      { name: "data/v", content: "volume\n" },
      { name: "hostdir/from-container", content: "bind\n" },
      { name: "scratch/x", content: "tmpfs\n" },
    ]), { path: "/" });
    assert.equal(await execIn(container, "cat /tmp/in/f /data/v /hostdir/from-container /scratch/x; stat -c %u:%g:%a /tmp/in/f"), "rootfs\nvolume\nbind\ntmpfs\n1000:50:640\n");
    assert.equal(readFileSync(join(hostDir, "from-container"), "utf8"), "bind\n", "the bind's host directory got it");
    const volume = await docker.getVolume("arch-data").inspect();
    assert.equal(readFileSync(join(volume.Mountpoint, "v"), "utf8"), "volume\n");

    // What the container itself writes is read back, from every kind of mount.
    await execIn(container, "echo made > /scratch/made; ln -s /scratch/made /srv/link");
    assert.deepEqual([...await getArchive(container, "/scratch")], [["directory scratch", ""], ["file scratch/made", "made\n"], ["file scratch/x", "tmpfs\n"]]);
    assert.deepEqual([...await getArchive(container, "/hostdir")].map(([k]) => k), ["directory hostdir", "file hostdir/from-container", "file hostdir/seen"]);
    // A final symlink is the link itself (as in Docker); its PathStat names where it leads in the container.
    assert.deepEqual([...await getArchive(container, "/srv/link")], [["symlink link", "-> /scratch/made"]]);
    const { status, stat } = await headStat(container, "/srv/link");
    assert.equal(status, 200);
    assert.equal(stat!.linkTarget, "/scratch/made");
    assert.equal(stat!.name, "link");
    assert.equal(stat!.mode & 2 ** 27, 2 ** 27, "the mode says symlink");
    assert.equal((await headStat(container, "/no/such")).status, 404);
    await assert.rejects(container.getArchive({ path: "/no/such" }), (err) => statusOf(err) === 404);
    await container.remove({ force: true });
    await docker.getVolume("arch-data").remove();
  });

  it("never reads or writes the host through symlinks of a running container, made before or while it runs", async () => {
    const probe = `berth-archive-escape-${process.pid}`;
    assert.equal(existsSync(`/tmp/${probe}`), false);
    const container = await running(`ln -s / /esc; mkdir -p /deep/a; ln -s ../../../../.. /deep/a/up; echo container > /etc/marker; ln -s /tmp /data/out`, {
      HostConfig: { Binds: ["arch-escape:/data"] },
    });
    // Through links to / and to ../../.. the container's root is meant, for the target path and inside the tar.
    await container.putArchive(await makeTar([{ name: `tmp/${probe}`, content: "via /esc\n" }]), { path: "/esc" });
    await container.putArchive(await makeTar([{ name: `${probe}-2`, content: "via up\n" }]), { path: "/deep/a/up/tmp" });
    await container.putArchive(await makeTar([
      { name: "root-link", type: "symlink", linkname: "/" },
      { name: `root-link/tmp/${probe}-3`, content: "via a link in the tar\n" },
    ]), { path: "/deep" });
    // A tar's "." entry is the target directory itself: the link /esc stays a link.
    await container.putArchive(await makeTar([{ name: "./", type: "directory" }, { name: `./tmp/${probe}-5`, content: "via .\n" }]), { path: "/esc" });
    assert.equal(await execIn(container, `readlink /esc; cat /tmp/${probe}-5`), "/\nvia .\n");
    assert.equal(await execIn(container, `cat /tmp/${probe} /tmp/${probe}-2 /tmp/${probe}-3`), "via /esc\nvia up\nvia a link in the tar\n");
    for (const suffix of ["", "-2", "-3", "-5"]) assert.equal(existsSync(`/tmp/${probe}${suffix}`), false, `nothing was written on the host (/tmp/${probe}${suffix})`);

    // Reading through them gives the container's files.
    assert.deepEqual([...await getArchive(container, "/esc/etc/marker")], [["file marker", "container\n"]]);
    assert.deepEqual([...await getArchive(container, "/deep/a/up/etc/marker")], [["file marker", "container\n"]]);
    // A link in a volume (a host directory) to /tmp means the container's /tmp.
    await container.putArchive(await makeTar([{ name: `${probe}-4`, content: "via the volume\n" }]), { path: "/data/out" });
    assert.equal(await execIn(container, `cat /tmp/${probe}-4`), "via the volume\n");
    assert.equal(existsSync(`/tmp/${probe}-4`), false, "nothing was written on the host through the volume's link");
    assert.deepEqual([...await getArchive(container, `/data/out/${probe}-4`)], [[`file ${probe}-4`, "via the volume\n"]]);
    assert.equal((await headStat(container, "/esc")).stat!.linkTarget, "/");
    await container.remove({ force: true });
    await docker.getVolume("arch-escape").remove();
  });

  it("refuses a read-only rootfs and read-only volumes with dockerd's messages, and writes a read-write volume of a read-only container", async () => {
    const container = await running("true", { HostConfig: { ReadonlyRootfs: true, Binds: ["arch-rw:/rw", "arch-ro:/ro:ro"] } });
    const tar = await makeTar([{ name: "f", content: "x\n" }]);
    await assert.rejects(container.putArchive(tar, { path: "/tmp" }), (err) => statusOf(err) === 400 && messageOf(err) === "container rootfs is marked read-only");
    await assert.rejects(container.putArchive(tar, { path: "/ro" }), (err) => statusOf(err) === 400 && messageOf(err) === "mounted volume is marked read-only");
    await container.putArchive(tar, { path: "/rw" });
    assert.equal(await execIn(container, "cat /rw/f"), "x\n");
    // A tar that reaches into the read-only volume from the read-write root of another container fails as the kernel says.
    await container.remove({ force: true });
    const other = await running("true", { HostConfig: { Binds: ["arch-ro:/ro:ro"] } });
    await assert.rejects(other.putArchive(await makeTar([{ name: "ro/g", content: "x" }]), { path: "/" }), (err) => statusOf(err) === 400 && /read-only file system/.test(messageOf(err)));
    await other.remove({ force: true });
    for (const name of ["arch-rw", "arch-ro"]) await docker.getVolume(name).remove();
  });

  it("honours noOverwriteDirNonDir and copyUIDGID on a running container", async () => {
    const container = await running("mkdir -p /tmp/work/dir/sub && echo f > /tmp/work/file", { User: "bob" });
    const fileOverDir = await makeTar([{ name: "dir", content: "now a file\n" }]);
    await assert.rejects(
      container.putArchive(fileOverDir, { path: "/tmp/work", noOverwriteDirNonDir: true }),
      (err) => statusOf(err) === 409 && /cannot overwrite directory "\/tmp\/work\/dir" with non-directory/.test(messageOf(err)),
    );
    const dirOverFile = await makeTar([{ name: "file/", type: "directory" }]);
    await assert.rejects(
      container.putArchive(dirOverFile, { path: "/tmp/work", noOverwriteDirNonDir: true }),
      (err) => statusOf(err) === 409 && /cannot overwrite non-directory "\/tmp\/work\/file" with directory/.test(messageOf(err)),
    );
    // Without the option, the old entry goes (a directory with everything in it).
    await container.putArchive(fileOverDir, { path: "/tmp/work" });
    await container.putArchive(dirOverFile, { path: "/tmp/work" });
    assert.equal(await execIn(container, "cat /tmp/work/dir; [ -d /tmp/work/file ] && echo dir"), "now a file\ndir\n");
    // copyUIDGID: everything belongs to the container's User (bob is 1000:1000 in the image); else the tar's owners.
    await container.putArchive(await makeTar([{ name: "owned", content: "x", uid: 0, gid: 0 }]), { path: "/tmp/work", copyUIDGID: true });
    await container.putArchive(await makeTar([{ name: "as-tar", content: "x", uid: 7, gid: 8 }]), { path: "/tmp/work" });
    assert.equal(await execIn(container, "stat -c %u:%g /tmp/work/owned /tmp/work/as-tar"), "1000:1000\n7:8\n");
    await container.remove({ force: true });
  });

  it("copies into and out of a volume of a STOPPED container through the volume's directory; a tmpfs then is refused", async () => {
    const container = await docker.createContainer({ Image: BUSYBOX, Cmd: ["cat", "/data/in/f"], HostConfig: { Binds: ["arch-stopped:/data"], Tmpfs: { "/scratch": "" } } });
    await container.putArchive(await makeTar([{ name: "in/f", content: "into the volume\n" }]), { path: "/data" });
    const volume = await docker.getVolume("arch-stopped").inspect();
    assert.equal(readFileSync(join(volume.Mountpoint, "in/f"), "utf8"), "into the volume\n");
    assert.equal(existsSync(join(engine.root, "containers", container.id, "upper", "data", "in")), false, "nothing went into the upper dir");
    // From the root, the tar reaches the volume as well; GET of / shows the volume's content at /data.
    await container.putArchive(await makeTar([{ name: "data/top", content: "from /\n" }]), { path: "/" });
    assert.equal(readFileSync(join(volume.Mountpoint, "top"), "utf8"), "from /\n");
    const files = await getArchive(container, "/data");
    assert.deepEqual([...files].map(([k]) => k), ["directory data", "directory data/in", "file data/in/f", "file data/top"]);
    // A link a container left in the volume never leads to the host: resolved inside the volume's directory.
    const probe = `berth-archive-stopped-${process.pid}`;
    symlinkSync("/", join(volume.Mountpoint, "esc"));
    await assert.rejects(container.putArchive(await makeTar([{ name: probe, content: "x" }]), { path: "/data/esc/tmp" }), (err) => statusOf(err) === 404);
    await container.putArchive(await makeTar([{ name: `esc/tmp/${probe}`, content: "x" }]), { path: "/data" });
    assert.equal(existsSync(`/tmp/${probe}`), false, "nothing was written on the host");
    assert.equal(readFileSync(join(volume.Mountpoint, "tmp", probe), "utf8"), "x");
    await assert.rejects(
      container.putArchive(await makeTar([{ name: "x", content: "x" }]), { path: "/scratch" }),
      (err) => statusOf(err) === 501 && /it is a tmpfs, a single file or a bind whose host directory does not exist yet, mounted only while the container runs/.test(messageOf(err)),
    );
    await container.start();
    assert.equal((await container.wait()).StatusCode, 0);
    const { stdout } = await demux(docker, (await container.logs({ stdout: true, follow: true })) as unknown as NodeJS.ReadableStream);
    assert.equal(stdout, "into the volume\n");
    await container.remove();
    await docker.getVolume("arch-stopped").remove();
  });
});
