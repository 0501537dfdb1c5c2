// Volumes and mounts from inside real containers: plan → createMounts → startMounts → berth-monitor, with
// a busybox layer under a small image layer. Data outlives containers, copy-up happens once, ro and tmpfs
// sizes are enforced by the kernel, and image symlinks cannot send a mount onto the host.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { unpackLayer } from "../../../src/runtime/image/unpack.js";
import { encodeContainerSpec, readExitRecord, startMonitor, waitPid } from "../../../src/runtime/native.js";
import { planMounts, type MountSources } from "../../../src/runtime/volume/mounts.js";
import { createMounts, startMounts, volumeNames, type ContainerMount } from "../../../src/runtime/volume/setup.js";
import { VolumeStore } from "../../../src/runtime/volume/store.js";
import { makeBusyboxRootfs, type BusyboxRootfs } from "../fixtures/busybox-rootfs.js";
import { makeTar, mountsUnder, tempDir } from "../image/tars.js";

/** The filesystem type of the mount holding `path`, as /proc/mounts names it (what a bind of a directory there shows). */
function fsTypeOf(path: string): string {
  const mounts = readFileSync("/proc/self/mounts", "utf8").split("\n").map((l) => l.split(" ")).filter((f) => f.length > 2);
  const holding = mounts.filter(([, at]) => path === at || path.startsWith(at === "/" ? "/" : `${at}/`)).sort((a, b) => b[1]!.length - a[1]!.length);
  return holding[0]![2]!;
}

describe("container mounts (integration, real containers)", function () {
  this.timeout(20_000);
  let busybox: BusyboxRootfs;
  let base: ReturnType<typeof tempDir>;
  let image: string;
  let store: VolumeStore;
  /** Mounts of the "containers" that exist, by id: what the store's inUse sees. */
  const containers = new Map<string, ContainerMount[]>();
  const monitors: number[] = [];

  before(() => (busybox = makeBusyboxRootfs()));
  after(() => {
    busybox.remove();
    assert.equal(existsSync(busybox.dir), false);
  });

  beforeEach(async () => {
    base = tempDir("vol-run");
    image = join(base.path, "image-layer");
    mkdirSync(image);
    const tar = await makeTar([
      { name: "data/", type: "directory", mode: 0o750, uid: 1000, gid: 1000 },
      { name: "data/seed.txt", content: "from the image\n", uid: 1000, gid: 1000 },
      { name: "evil", type: "symlink", linkname: "/" },
      { name: "up", type: "symlink", linkname: "../../.." },
    ]);
    await unpackLayer(Readable.from([tar]), image, "image");
    store = await VolumeStore.open(join(base.path, "volumes"), {
      inUse: (name) => [...containers].filter(([, mounts]) => volumeNames(mounts).includes(name)).map(([id]) => id),
    });
  });

  afterEach(async () => {
    for (const pid of monitors.splice(0)) await waitPid(pid).catch(() => undefined);
    containers.clear();
    assert.deepEqual(mountsUnder(base.path), [], "mounts left on the host");
    base.cleanup();
  });

  /** Creates and runs one container with `sources`' mounts; returns its stdout, its id and its upper dir. */
  async function run(id: string, sources: MountSources, script: string): Promise<{ out: string; exitCode: number; upper: string }> {
    const dir = join(base.path, id);
    for (const sub of ["upper", "work", "rootfs", "state"]) mkdirSync(join(dir, sub), { recursive: true });
    const mounts = await createMounts(planMounts(sources), store);
    containers.set(id, mounts);
    const lower = [image, busybox.dir];
    const runtimeMounts = await startMounts(mounts, store, lower);
    const state = join(dir, "state");
    writeFileSync(join(state, "spec"), encodeContainerSpec({
      argv: ["sh", "-c", script], env: ["PATH=/bin"], lower,
      upper: join(dir, "upper"), work: join(dir, "work"), rootfs: join(dir, "rootfs"), mounts: runtimeMounts,
    }));
    const started = await startMonitor(state);
    monitors.push(started.monitorPid);
    await waitPid(started.monitorPid).catch(() => undefined);
    const log = readFileSync(join(state, "container.log"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as { log: string });
    return { out: log.map((e) => e.log).join(""), exitCode: readExitRecord(state)!.exitCode, upper: join(dir, "upper") };
  }

  function removeContainer(id: string): void {
    containers.delete(id);
    rmSync(join(base.path, id), { recursive: true, force: true });
  }

  it("keeps a named volume's data across containers; copy-up fills it once, with the image's owner", async () => {
    const first = await run("c1", { Binds: ["appdata:/data"] }, "ls -ln /data | grep seed | awk '{print $3}'; cat /data/seed.txt; echo written > /data/note; rm /data/seed.txt");
    assert.deepEqual([first.exitCode, first.out], [0, "1000\nfrom the image\n"]);
    const second = await run("c2", { Mounts: [{ Type: "volume", Source: "appdata", Target: "/srv" }] }, "cat /srv/note; ls /srv");
    assert.equal(second.out, "written\nnote\n", "the deleted seed is not copied again into a non-empty volume");
    await assert.rejects(store.remove("appdata"), /volume is in use - \[c1, c2\]/);
    removeContainer("c1");
    removeContainer("c2");
    const third = await run("c3", { Binds: ["appdata:/data:ro"] }, "cat /data/note; sh -c 'echo x > /data/other' 2>&1 || echo refused");
    assert.equal(third.out, "written\nsh: can't create /data/other: Read-only file system\nrefused\n");
    assert.deepEqual(readdirSync(store.get("appdata").Mountpoint), ["note"]);
  });

  it("fills anonymous volumes for image VOLUMEs, and NoCopy leaves a volume empty", async () => {
    const { out } = await run("c1", { Volumes: { "/data": {} }, Mounts: [{ Type: "volume", Source: "bare", Target: "/bare/data", VolumeOptions: { NoCopy: true } }] }, "ls /data /bare/data");
    assert.equal(out, "/bare/data:\n\n/data:\nseed.txt\n");
    const anonymous = store.list().filter((v) => v.anonymous);
    assert.equal(anonymous.length, 1);
    assert.deepEqual(readdirSync(anonymous[0]!.Mountpoint), ["seed.txt"]);
  });

  it("shows a local o=bind volume's host directory, and keeps its files when the volume goes", async () => {
    const host = join(base.path, "site");
    mkdirSync(host);
    writeFileSync(join(host, "index.html"), "<h1>hi</h1>\n");
    await store.create({ Name: "site", DriverOpts: { type: "none", o: "bind", device: host } });
    const { out } = await run("c1", { Binds: ["site:/usr/share/site"] }, "cat /usr/share/site/index.html; echo new > /usr/share/site/new.txt");
    assert.equal(out, "<h1>hi</h1>\n");
    assert.equal(readFileSync(join(host, "new.txt"), "utf8"), "new\n");
    removeContainer("c1");
    await store.remove("site");
    assert.deepEqual(readdirSync(host).sort(), ["index.html", "new.txt"]);
  });

  it("enforces :ro binds (EROFS), and tmpfs sizes from Tmpfs, Mounts and a tmpfs volume (ENOSPC)", async () => {
    const host = join(base.path, "ro-src");
    await store.create({ Name: "scratch", DriverOpts: { type: "tmpfs", device: "tmpfs", o: "size=64k" } });
    const { out } = await run(
      "c1",
      { Binds: [`${host}:/ro:ro`, "scratch:/vt"], Tmpfs: { "/t1": "size=64k" }, Mounts: [{ Type: "tmpfs", Target: "/t2", TmpfsOptions: { SizeBytes: 65536 } }] },
      "touch /ro/x 2>&1; for d in /t1 /t2 /vt; do dd if=/dev/zero of=$d/f bs=1k count=200 2>&1 | grep -o 'No space left on device'; done",
    );
    assert.equal(out, "touch: /ro/x: Read-only file system\nNo space left on device\nNo space left on device\nNo space left on device\n");
    assert.ok(existsSync(host), "a missing Binds source is created, as dockerd does");
  });

  it("refuses a Mounts bind whose source is missing unless CreateMountpoint", async () => {
    const missing = join(base.path, "missing");
    await assert.rejects(
      createMounts(planMounts({ Mounts: [{ Type: "bind", Source: missing, Target: "/m" }] }), store),
      { message: `invalid mount config for type "bind": bind source path does not exist: ${missing}` },
    );
    await run("c1", { Mounts: [{ Type: "bind", Source: missing, Target: "/m", BindOptions: { CreateMountpoint: true } }] }, "true");
    assert.ok(existsSync(missing));
  });

  it("keeps mounts inside the root when the image's target is a symlink to / or ../../..", async () => {
    const host = join(base.path, "payload");
    mkdirSync(host);
    writeFileSync(join(host, "marker"), "payload\n");
    const { out, upper } = await run(
      "c1",
      { Binds: [`${host}:/evil/pwned-a:ro`, `${host}:/up/pwned-b:ro`], Volumes: { "/evil/data": {} } },
      "cat /pwned-a/marker /pwned-b/marker; ls /data",
    );
    assert.equal(out, "payload\npayload\nseed.txt\n");
    for (const name of ["pwned-a", "pwned-b"]) {
      assert.equal(existsSync(join("/", name)), false, `/${name} appeared on the host`);
      assert.ok(existsSync(join(upper, name)), `the missing target ${name} is created in the container's upper layer`);
    }
    assert.equal(existsSync(join(image, "pwned-a")), false, "the image layer is untouched");
  });

  it("mounts in one parent-first order: a volume and a bind below tmpfs mounts, a tmpfs below a bind", async () => {
    const host = join(base.path, "bind-src");
    mkdirSync(join(host, "inner"), { recursive: true });
    writeFileSync(join(host, "file"), "host\n");
    const { out, exitCode } = await run(
      "c1",
      { Tmpfs: { "/run": "", "/srv": "" }, Binds: ["runsub:/run/sub", `${host}:/srv/host`], Mounts: [{ Type: "tmpfs", Target: "/srv/host/inner" }] },
      // /proc/mounts lists mounts in the order they were made.
      "echo v > /run/sub/v; cat /srv/host/file; grep -E ' /(run|srv)' /proc/mounts | cut -d' ' -f2,3",
    );
    assert.equal(exitCode, 0, out);
    assert.equal(out, "host\n/run tmpfs\n/srv tmpfs\n/run/sub ext4\n/srv/host ext4\n/srv/host/inner tmpfs\n".replace(/ext4/g, fsTypeOf(base.path)));
    assert.equal(readFileSync(join(store.get("runsub").Mountpoint, "v"), "utf8"), "v\n", "the write below the tmpfs reached the volume");
    assert.deepEqual(readdirSync(join(host, "inner")), [], "the tmpfs below the bind hid the host's directory, not wrote into it");
  });

  it("binds what a symlinked bind source points at (as Docker), but never through a symlink in a volume's path", async () => {
    const real = join(base.path, "real");
    mkdirSync(real);
    writeFileSync(join(real, "marker"), "through the link\n");
    symlinkSync(real, join(base.path, "link"));
    const { out } = await run("c1", { Binds: [`${join(base.path, "link")}:/linked:ro`] }, "cat /linked/marker");
    assert.equal(out, "through the link\n");

    // A volume's subpath that a container turned into a symlink after berthd checked it: the monitor's nofollow
    // open refuses it (here the swap is simulated by handing the monitor such a path directly).
    await store.create({ Name: "swapped" });
    const volumeDir = store.get("swapped").Mountpoint;
    mkdirSync(join(volumeDir, "real-sub"));
    writeFileSync(join(volumeDir, "real-sub", "f"), "in the subpath\n");
    const viaSubpath = await run("c3", { Mounts: [{ Type: "volume", Source: "swapped", Target: "/d", VolumeOptions: { Subpath: "real-sub" } }] }, "cat /d/f");
    assert.equal(viaSubpath.out, "in the subpath\n", "a subpath without symlinks mounts (nofollow)");
    symlinkSync("/etc", join(volumeDir, "sub"));
    const dir = join(base.path, "c2");
    for (const sub of ["upper", "work", "rootfs", "state"]) mkdirSync(join(dir, sub), { recursive: true });
    const state = join(dir, "state");
    writeFileSync(join(state, "spec"), encodeContainerSpec({
      argv: ["true"], env: ["PATH=/bin"], lower: [image, busybox.dir], upper: join(dir, "upper"), work: join(dir, "work"), rootfs: join(dir, "rootfs"),
      mounts: [{ kind: "bind", source: join(realpathSync(volumeDir), "sub"), target: "/data", options: ["rprivate", "nofollow"] }],
    }));
    await assert.rejects(startMonitor(state), /bind mount .*\/sub on \/data: Too many levels of symbolic links/);
    await assert.rejects(
      startMounts(await createMounts(planMounts({ Mounts: [{ Type: "volume", Source: "swapped", Target: "/d", VolumeOptions: { Subpath: "sub" } }] }), store), store, []),
      { message: 'invalid mount config for type "volume": subpath "sub" of volume "swapped" passes through a symlink; give the real path' },
    );
  });
});
