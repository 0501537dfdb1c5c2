// Volumes and mounts of containers through dockerode against a real berthd: named volumes shared and kept
// across containers, copy-up from the image, :ro, tmpfs sizes, in-use refusals, anonymous volumes for VOLUMEs
// and their removal with `rm -v` and AutoRemove, and inspect's Mounts.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import type Docker from "dockerode";
import { busyboxLayer, dockerSaveArchive, makeTar, sha256, type TestImage } from "../image/tars.js";
import { BUSYBOX, demux, loadBusybox, startEngine, stopEngine, type Engine } from "./helpers.js";

const VOLUME_IMAGE = "with-volume:1";

/** busybox's few applets, a /data owned by 1000 with a seed file, and /data declared a VOLUME. */
async function volumeImage(): Promise<TestImage> {
  const seed = await makeTar([
    { name: "data/", type: "directory", mode: 0o750, uid: 1000, gid: 1000 },
    { name: "data/seed.txt", content: "from the image\n", uid: 1000, gid: 1000 },
  ]);
  const layers = [await busyboxLayer(), seed];
  const config = Buffer.from(JSON.stringify({
    architecture: "amd64",
    os: "linux",
    config: { Cmd: ["sh"], Env: ["PATH=/bin"], Volumes: { "/data": {} } },
    rootfs: { type: "layers", diff_ids: layers.map(sha256) },
  }));
  return { config, id: sha256(config), blobs: layers, diffIds: layers.map(sha256) };
}

describe("containers: volumes, binds and tmpfs through dockerode (integration, root)", function () {
  this.timeout(60_000);
  let engine: Engine;
  let docker: Docker;

  before(async () => {
    engine = await startEngine();
    docker = engine.docker;
    await loadBusybox(docker);
    const archive = await dockerSaveArchive([{ image: await volumeImage(), tags: [VOLUME_IMAGE] }]);
    const reply = await docker.loadImage(Readable.from([archive]), { quiet: true });
    reply.resume();
    await new Promise((resolve) => reply.on("end", resolve));
  });
  after(() => stopEngine(engine));

  /** Creates, starts and waits for a container; returns its output and exit code, and the container (not removed). */
  async function run(script: string, options: Partial<Docker.ContainerCreateOptions> = {}) {
    const container = await docker.createContainer({ Image: BUSYBOX, Cmd: ["sh", "-c", script], ...options });
    await container.start();
    const { StatusCode } = await container.wait();
    const stream = (await container.logs({ stdout: true, stderr: true, follow: true })) as unknown as NodeJS.ReadableStream;
    return { container, code: StatusCode, ...(await demux(docker, stream)) };
  }

  const volumeNames = async () => ((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name).sort();
  const statusOf = (err: unknown) => (err as { statusCode: number }).statusCode;

  it("shares a named volume's data between containers, keeps it after both are removed, refuses its removal while in use", async () => {
    const writer = await run("echo kept > /data/note", { HostConfig: { Binds: ["shared:/data"] } });
    assert.equal(writer.code, 0, writer.stderr);
    const reader = await run("cat /srv/note", { HostConfig: { Mounts: [{ Type: "volume", Source: "shared", Target: "/srv" }] } });
    assert.equal(reader.stdout, "kept\n");

    const volume = docker.getVolume("shared");
    await assert.rejects(volume.remove(), (err) => statusOf(err) === 409 && new RegExp(`volume is in use - \\[.*${writer.container.id}`).test(String(err)));
    await writer.container.remove({ v: true });
    await reader.container.remove({ v: true });
    assert.deepEqual(await volumeNames(), ["shared"], "rm -v keeps named volumes");

    const later = await run("cat /data/note", { HostConfig: { Binds: ["shared:/data"] } });
    assert.equal(later.stdout, "kept\n");
    await later.container.remove();
    await volume.remove();
    assert.deepEqual(await volumeNames(), []);
  });

  it("fills an empty volume from the image on first mount, and never touches a non-empty one", async () => {
    const fresh = await run("ls /etc; cat /etc/group | head -1; grep -q localhost /etc/hosts && echo berth-hosts", { HostConfig: { Binds: ["etc-copy:/etc"] } });
    // As dockerd (moby#10604): the container's hosts, hostname and resolv.conf are mounted over a volume at /etc.
    assert.equal(fresh.stdout, "group\nhostname\nhosts\npasswd\nresolv.conf\nroot:x:0:\nberth-hosts\n");
    const mountpoint = (await docker.getVolume("etc-copy").inspect()).Mountpoint;
    const copied = readdirSync(mountpoint).filter((name) => statSync(join(mountpoint, name)).size > 0).sort();
    assert.deepEqual(copied, ["group", "passwd"], "the image's content, plus only the empty mount points of those three files");

    // Filled by a container where the image has nothing (/mnt), the volume is left as it is at /etc.
    const filled = await run("echo mine > /mnt/only", { HostConfig: { Binds: ["own-data:/mnt"] } });
    const shown = await run("ls /etc", { HostConfig: { Binds: ["own-data:/etc"] } });
    assert.equal(shown.stdout, "hostname\nhosts\nonly\nresolv.conf\n", "no copy-up, only the mount points of the three files");
    // NoCopy leaves an empty volume empty.
    const bare = await run("ls /etc | wc -l", { HostConfig: { Mounts: [{ Type: "volume", Source: "bare", Target: "/etc", VolumeOptions: { NoCopy: true } } as Docker.MountSettings] } });
    assert.equal(bare.stdout.trim(), "3", "nothing but hostname, hosts and resolv.conf");
    for (const c of [fresh, filled, shown, bare]) await c.container.remove();
    for (const name of ["etc-copy", "own-data", "bare"]) await docker.getVolume(name).remove();
  });

  it("gives EROFS through :ro volumes and binds, ENOSPC past a tmpfs size; a missing Binds source is created", async () => {
    const host = join(engine.root, "host-dir");
    mkdirSync(host);
    writeFileSync(join(host, "in"), "from host\n");
    const created = join(engine.root, "made", "here");
    const { stdout, code, container } = await run(
      "cat /ro/in; touch /ro/x 2>&1; touch /vol/x 2>&1; echo ok > /made/file; " +
        "for d in /t1 /t2; do dd if=/dev/zero of=$d/f bs=1k count=200 2>&1 | grep -o 'No space left on device'; done; grep ' /t1 ' /proc/mounts | cut -d' ' -f4",
      {
        HostConfig: {
          Binds: [`${host}:/ro:ro`, "ro-vol:/vol:ro", `${created}:/made`],
          Tmpfs: { "/t1": "size=64k" },
          Mounts: [{ Type: "tmpfs", Source: "", Target: "/t2", TmpfsOptions: { SizeBytes: 65536, Mode: 0o1777 } }],
        },
      },
    );
    assert.equal(code, 0);
    assert.equal(stdout, [
      "from host", "touch: /ro/x: Read-only file system", "touch: /vol/x: Read-only file system",
      "No space left on device", "No space left on device", "rw,nosuid,nodev,noexec,relatime,size=64k", "",
    ].join("\n"));
    assert.equal(readFileSync(join(created, "file"), "utf8"), "ok\n");
    await container.remove();
    await docker.getVolume("ro-vol").remove();
  });

  it("refuses invalid mounts at create with Docker's messages, before anything exists", async () => {
    const before = (await docker.listContainers({ all: true })).length;
    const missing = join(engine.root, "no-such-dir");
    const cases: [Docker.HostConfig, RegExp][] = [
      [{ Binds: ["a:/x", "b:/x"] }, /Duplicate mount point: \/x/],
      [{ Binds: ["/host:/data:bogus"] }, /invalid mode: bogus/],
      [{ Mounts: [{ Type: "bind", Source: missing, Target: "/m" }] }, /bind source path does not exist/],
      [{ Mounts: [{ Type: "npipe", Source: "x", Target: "/m" } as unknown as Docker.MountSettings] }, /mount type unknown: valid types are bind, volume and tmpfs/],
      [{ Binds: ["x:/data"], Mounts: [{ Type: "volume", Source: "", Target: "/v", ReadOnly: true }] }, /must not set ReadOnly mode when using anonymous volumes/],
    ];
    for (const [HostConfig, message] of cases) {
      await assert.rejects(docker.createContainer({ Image: BUSYBOX, HostConfig }), (err) => statusOf(err) === 400 && message.test(String(err)));
    }
    assert.equal((await docker.listContainers({ all: true })).length, before);
    assert.deepEqual(await volumeNames(), [], "a refused create leaves no volume, named or anonymous");
  });

  it("gives an image VOLUME an anonymous volume filled from the image; rm -v removes it, rm alone keeps it", async () => {
    const since = Math.floor(Date.now() / 1000);
    const first = await run("ls -ln /data | grep seed | awk '{print $3}'; cat /data/seed.txt", { Image: VOLUME_IMAGE });
    assert.equal(first.stdout, "1000\nfrom the image\n");
    const [mount] = (await first.container.inspect()).Mounts;
    assert.equal(mount?.Type, "volume");
    assert.match(mount!.Name!, /^[0-9a-f]{64}$/);
    assert.deepEqual({ ...mount, Name: "", Source: "" }, { Type: "volume", Name: "", Source: "", Destination: "/data", Driver: "local", Mode: "", RW: true, Propagation: "" });
    const volume = await docker.getVolume(mount!.Name!).inspect();
    assert.equal(mount!.Source, volume.Mountpoint);
    assert.deepEqual(volume.Labels, { "com.docker.volume.anonymous": "" });

    const second = await run("true", { Image: VOLUME_IMAGE, Volumes: { "/cache": {} } });
    const secondVolumes = (await second.container.inspect()).Mounts.map((m) => m.Name!);
    assert.equal(secondVolumes.length, 2, "the image's /data and the request's /cache");

    await first.container.remove();
    assert.ok((await volumeNames()).includes(mount!.Name!), "rm without v keeps the anonymous volume");
    await second.container.remove({ v: true });
    assert.deepEqual(await volumeNames(), [mount!.Name!]);
    const anonymous = [mount!.Name!, ...secondVolumes];
    const events = (await volumeEvents(since)).filter((e) => anonymous.includes(e.Actor.ID));
    assert.deepEqual(events.filter((e) => e.Action === "create").map((e) => e.Actor.ID).sort(), [...anonymous].sort());
    assert.deepEqual(events.filter((e) => e.Action === "destroy").map((e) => e.Actor.ID).sort(), [...secondVolumes].sort());
    await docker.getVolume(mount!.Name!).remove();
  });

  it("removes an AutoRemove container's anonymous volumes with it, not its named ones", async () => {
    const container = await docker.createContainer({ Image: BUSYBOX, Cmd: ["true"], Volumes: { "/anon": {} }, HostConfig: { AutoRemove: true, Binds: ["keep-me:/keep"] } });
    assert.equal((await volumeNames()).length, 2);
    const removed = container.wait({ condition: "removed" });
    await container.start();
    await removed;
    assert.deepEqual(await volumeNames(), ["keep-me"]);
    await docker.getVolume("keep-me").remove();
  });

  it("mounts a volume below a tmpfs (--tmpfs /run -v x:/run/sub): parents first, the write reaches the volume", async () => {
    const { container, code, stdout, stderr } = await run("echo kept > /run/sub/f; grep -E ' /run(/sub)? ' /proc/mounts | cut -d' ' -f2,3", {
      HostConfig: { Tmpfs: { "/run": "" }, Binds: ["inner:/run/sub"] },
    });
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^\/run tmpfs\n\/run\/sub \S+\n$/);
    assert.notEqual(stdout.split("\n")[1], "/run/sub tmpfs", "the volume, not the tmpfs, is at /run/sub");
    await container.remove({ v: true });
    const volume = await docker.getVolume("inner").inspect();
    assert.equal(readFileSync(join(volume.Mountpoint, "f"), "utf8"), "kept\n");
    await docker.getVolume("inner").remove();
    assert.equal(existsSync(join(engine.root, "volumes", "inner")), false);
  });

  it("VolumesFrom inherits volumes and binds (read-only with :ro, under the container's own mounts), not tmpfs", async () => {
    const host = join(engine.root, "vf-host");
    mkdirSync(host);
    writeFileSync(join(host, "h"), "host file\n");
    const source = await run("echo named > /data/n; echo anon > /anon/a", {
      Volumes: { "/anon": {} },
      HostConfig: { Binds: ["vf-named:/data", `${host}:/host`], Tmpfs: { "/t": "" } },
    });
    assert.equal(source.code, 0, source.stderr);
    const anon = (await source.container.inspect()).Mounts.find((m) => m.Destination === "/anon")!.Name!;

    const reader = await run("cat /data/n /anon/a /host/h; touch /data/x 2>&1; grep -c ' /t ' /proc/mounts", { HostConfig: { VolumesFrom: [`${source.container.id}:ro`] } });
    assert.equal(reader.stdout, "named\nanon\nhost file\ntouch: /data/x: Read-only file system\n0\n");
    // The image's VOLUME /data is covered by the inherited volume: no anonymous volume is made for it.
    const before = await volumeNames();
    const inheritor = await run("cat /data/n; echo more >> /anon/a; ls /host", {
      Image: VOLUME_IMAGE,
      HostConfig: { VolumesFrom: [source.container.id.slice(0, 12)], Binds: ["vf-own:/host"] },
    });
    assert.equal(inheritor.stdout, "named\n", "own Binds win over an inherited bind at the same path");
    assert.deepEqual(await volumeNames(), [...before, "vf-own"].sort());

    await source.container.remove({ v: true });
    await reader.container.remove();
    assert.ok((await volumeNames()).includes(anon), "an anonymous volume another container uses stays");
    await inheritor.container.remove({ v: true });
    assert.ok(!(await volumeNames()).includes(anon), "and goes with the last container that uses it");
    for (const name of ["vf-named", "vf-own"]) await docker.getVolume(name).remove();

    await assert.rejects(docker.createContainer({ Image: BUSYBOX, HostConfig: { VolumesFrom: ["no-such-container"] } }), (err) => statusOf(err) === 404);
    await assert.rejects(
      docker.createContainer({ Image: BUSYBOX, HostConfig: { VolumesFrom: ["x:rx"] } }),
      (err) => statusOf(err) === 400 && /invalid mode for volumes-from: rx \(in 'x:rx'\): valid are ro and rw/.test(String(err)),
    );
  });

  it("knows after a restart of berthd which containers use a volume, and mounts it again", async () => {
    const { container, stdout } = await run("cat /data/f 2>/dev/null; echo before > /data/f", { name: "survivor", HostConfig: { Binds: ["survives:/data"] } });
    assert.equal(stdout, "");
    engine.daemon.child.kill("SIGTERM");
    assert.equal(await engine.daemon.exited, 0);
    engine = await startEngine(engine.root);
    docker = engine.docker;
    await assert.rejects(docker.getVolume("survives").remove(), (err) => statusOf(err) === 409);
    const again = docker.getContainer(container.id);
    await again.start();
    await again.wait();
    const logs = (await again.logs({ stdout: true, stderr: true, follow: true })) as unknown as NodeJS.ReadableStream;
    assert.equal((await demux(docker, logs)).stdout, "before\n", "the second run reads what the first wrote");
    await again.remove();
    await docker.getVolume("survives").remove();
  });

  async function volumeEvents(since: number): Promise<{ Action: string; Actor: { ID: string } }[]> {
    const stream = (await docker.getEvents({ since, until: Math.ceil(Date.now() / 1000) + 1, filters: { type: ["volume"] } })) as unknown as NodeJS.ReadableStream;
    let text = "";
    for await (const chunk of stream) text += String(chunk);
    return text.split("\n").filter(Boolean).map((line) => JSON.parse(line) as { Action: string; Actor: { ID: string } });
  }
});
