// Shared by the container tests: an isolated berthd (in its own throwaway host network namespace, see
// ../engine/in-test-host.sh) with a busybox image loaded, and the checks that a test left no container, monitor,
// cgroup, mount or namespace behind.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import Docker from "dockerode";
import { cgroupGroup } from "../../../src/engine/daemon.js";
import { monitorPath } from "../../../src/runtime/native.js";
import { linksOnceSettled, removeRoot, startBerthd, tempRoot, testHostNetns, type Berthd } from "../engine/berthd.js";
import { dockerSaveArchive, makeImage, makeTar, type TarItem } from "../image/tars.js";

export const BUSYBOX = "busybox:latest";

/** A busybox image with every applet and the usual top-level directories, as docker save would give it. */
export async function busyboxArchive(): Promise<Buffer> {
  const applets = execFileSync("/bin/busybox", ["--list"], { encoding: "utf8" }).split("\n").filter((a) => a && a !== "busybox");
  const items: TarItem[] = [
    ...["bin/", "etc/", "proc/", "sys/", "dev/", "root/", "home/"].map((name) => ({ name, type: "directory" as const })),
    { name: "tmp/", type: "directory", mode: 0o1777 },
    { name: "bin/busybox", content: readFileSync("/bin/busybox"), mode: 0o755 },
    ...applets.map((applet) => ({ name: `bin/${applet}`, type: "symlink" as const, linkname: "busybox" })),
    { name: "etc/passwd", content: "root:x:0:0:root:/root:/bin/sh\nbob:x:1000:1000:bob:/home/bob:/bin/sh\n" },
    { name: "etc/group", content: "root:x:0:\nbob:x:1000:\nstaff:x:50:bob\n" },
  ];
  const image = makeImage([await makeTar(items)], { cmd: ["sh"] });
  return dockerSaveArchive([{ image, tags: [BUSYBOX] }]);
}

export interface Engine {
  daemon: Berthd;
  docker: Docker;
  root: string;
}

export async function startEngine(root = tempRoot()): Promise<Engine> {
  const daemon = await startBerthd(root);
  return { daemon, docker: new Docker({ socketPath: daemon.socket }), root };
}

export async function loadBusybox(docker: Docker): Promise<void> {
  const reply = await docker.loadImage(Readable.from([await busyboxArchive()]), { quiet: true });
  const text = await new Promise<string>((resolve) => {
    let out = "";
    reply.on("data", (chunk: Buffer) => (out += chunk));
    reply.on("end", () => resolve(out));
  });
  assert.match(text, /Loaded image: busybox:latest/);
}

/**
 * Every berth-monitor process whose state directory is under `root`. A container's process is a clone of its
 * monitor until it execs, in the state directory until it has its root: it is told apart by its own pid namespace.
 */
export function monitorsUnder(root: string): number[] {
  const monitor = monitorPath();
  const inOwnPidNamespace = (pid: number) => /^NSpid:\s+\d+\s+\d+/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  return readdirSync("/proc").filter((p) => /^\d+$/.test(p)).map(Number).filter((pid) => {
    try {
      return readlinkSync(`/proc/${pid}/exe`) === monitor && readlinkSync(`/proc/${pid}/cwd`).startsWith(root) && !inOwnPidNamespace(pid);
    } catch {
      return false;
    }
  });
}

/** Directories of `group` in any cgroup hierarchy (v1 controllers and cgroup2). */
export function cgroupDirs(group: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 6) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      if (entry.name === group) found.push(join(dir, entry.name));
      else walk(join(dir, entry.name), depth + 1);
    }
  };
  walk("/sys/fs/cgroup", 0);
  return found;
}

/** A test file's own berthd with busybox loaded, started before its tests and stopped (and checked clean) after them. */
export function useEngine(ready: (engine: Engine) => void): void {
  let engine: Engine;
  before(async () => {
    engine = await startEngine();
    await loadBusybox(engine.docker);
    ready(engine);
  });
  after(() => stopEngine(engine));
}

/**
 * The veths in the daemon's test host namespace, once the deletes under way are done: a container's removal returns
 * before the kernel has deleted its endpoints' veths (~20 ms each). Gives up waiting after about two seconds.
 */
export function settledVeths(root: string): Promise<string[]> {
  return linksOnceSettled(root, "veth", (names) => names.length === 0);
}

/** Stops berthd, removes every container it still has, and asserts that nothing of the engine is left. */
export async function stopEngine(engine: Engine): Promise<void> {
  const { docker, daemon, root } = engine;
  const died = daemon.child.exitCode !== null;
  if (died) {
    // Clean up what a crashed daemon left, so that one failure does not fail every later check; then report it.
    for (const pid of monitorsUnder(root)) process.kill(pid, "SIGKILL");
    for (const dir of cgroupDirs(cgroupGroup(root)).reverse()) execFileSync("find", [dir, "-depth", "-type", "d", "-exec", "rmdir", "{}", ";"]);
    removeRoot(root);
    assert.fail(`berthd died during the tests:\n${daemon.log()}`);
  }
  for (const c of await docker.listContainers({ all: true })) await docker.getContainer(c.Id).remove({ force: true });
  assert.deepEqual(await settledVeths(root), [], "every container's endpoints went with it");
  daemon.child.kill("SIGTERM");
  assert.equal(await daemon.exited, 0, daemon.log());
  assert.deepEqual(monitorsUnder(root), [], "no monitor is left running");
  assert.deepEqual(cgroupDirs(cgroupGroup(root)), [], "no cgroup is left, not even the daemon's (empty) group");
  assert.deepEqual(readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.includes(`${root}/`)), [], "no mount is left");
  removeRoot(root);
  assert.equal(existsSync(root), false);
  assert.equal(existsSync(testHostNetns(root)), false, "the daemon's test host namespace is gone");
}

/** A writable that hands each chunk to `append`. */
function collector(append: (text: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      append(chunk.toString());
      done();
    },
  });
}

/** Collects a container's demultiplexed output until the stream ends. */
export function demux(docker: Docker, stream: NodeJS.ReadableStream): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const out = { stdout: "", stderr: "" };
    docker.modem.demuxStream(stream, collector((s) => (out.stdout += s)), collector((s) => (out.stderr += s)));
    stream.on("end", () => resolve(out));
    stream.on("error", reject);
  });
}
