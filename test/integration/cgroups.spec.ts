// Real cgroups, as root: limits written, enforced on real processes, and every directory removed again.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { assignControllers, detectLayout, hierarchiesOf, type CgroupLayout } from "../../src/runtime/cgroups/detect.js";
import { parseCpuList } from "../../src/runtime/cgroups/limits.js";
import { openCgroups, type Cgroups, type ContainerCgroup } from "../../src/runtime/cgroups/index.js";

const MiB = 1024 * 1024;
const GROUP = `berth-test-${process.pid}`;
const V2_GROUP = `berth-test-v2-${process.pid}`;
const CGROUP_ROOT = "/sys/fs/cgroup";

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A shell that joins the cgroup the way the monitor does (writes "0" into each cgroup.procs), says "ready", runs `script`. */
async function runIn(cgroup: ContainerCgroup, script: string): Promise<Run> {
  const join = cgroup.procsFiles().map((file) => `echo 0 > ${file}`).join(" && ");
  const child = spawn("sh", ["-c", `${join} || exit 99; echo ready; ${script}`], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = once(child, "exit").then(([code, signal]) => ({ code, signal }));
  while (!output.startsWith("ready")) {
    if (child.exitCode !== null) throw new Error(`shell exited before joining: ${output}`);
    await sleep(2);
  }
  return { child, output: () => output, exited };
}

function readControl(dir: string, file: string): string {
  return readFileSync(join(dir, file), "utf8").trim();
}

/** The container's directory in the hierarchy mounted at `mount`. */
function dirIn(cgroup: ContainerCgroup, mount: string): string {
  const file = cgroup.procsFiles().find((f) => f.startsWith(`${mount}/`));
  assert.ok(file, `the container has a directory under ${mount}`);
  return dirname(file);
}

/** Directories named `prefix…` anywhere in the cgroup mounts, down to /sys/fs/cgroup/memory/process_api/<id>/<group>/<name>. */
function findDirs(prefix: string, dir = CGROUP_ROOT, depth = 5): string[] {
  if (depth === 0) return [];
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const path = join(dir, entry.name);
    if (entry.name.startsWith(prefix)) found.push(path);
    else found.push(...findDirs(prefix, path, depth - 1));
  }
  return found;
}

/** The whole disk (not a partition) that holds `file`, as its /dev path and major:minor. */
function diskOf(file: string): { path: string; number: string } {
  const dev = statSync(file).dev;
  let sys = realpathSync(`/sys/dev/block/${Math.floor(dev / 256) & 0xfff}:${dev & 0xff}`);
  if (existsSync(join(sys, "partition"))) sys = dirname(sys);
  return { path: `/dev/${basename(sys)}`, number: readFileSync(join(sys, "dev"), "utf8").trim() };
}

async function cpuNs(cgroup: ContainerCgroup): Promise<number> {
  return (await cgroup.stats()).cpu!.totalNs;
}

describe("cgroups on this machine (integration, root)", function () {
  this.timeout(30_000);
  let layout: CgroupLayout;
  let cgroups: Cgroups;
  const made: ContainerCgroup[] = [];
  const runs: Run[] = [];

  async function create(name: string, limits: Parameters<Cgroups["createCgroup"]>[1] = {}): Promise<ContainerCgroup> {
    const { cgroup, warnings } = await cgroups.createCgroup(name, limits);
    assert.deepEqual(warnings, [], "this kernel offers every limit the tests set");
    made.push(cgroup);
    return cgroup;
  }

  async function start(cgroup: ContainerCgroup, script: string): Promise<Run> {
    const run = await runIn(cgroup, script);
    runs.push(run);
    return run;
  }

  before(async () => {
    layout = await detectLayout();
    cgroups = await openCgroups({ group: GROUP });
  });

  afterEach(async () => {
    for (const cgroup of made.splice(0)) {
      await cgroup.killAll();
      await cgroup.remove();
      for (const file of cgroup.procsFiles()) assert.ok(!existsSync(dirname(file)), `${dirname(file)} is removed`);
    }
    for (const run of runs.splice(0)) await run.exited;
  });

  after(() => {
    for (const dir of findDirs("berth-test-")) if (dir.endsWith(GROUP) || dir.endsWith(V2_GROUP)) rmdirSync(dir);
    assert.deepEqual(findDirs(GROUP).concat(findDirs(V2_GROUP)), [], "no test cgroup is left in any hierarchy");
  });

  it("creates one directory per hierarchy inside berthd's own cgroup of that hierarchy", async () => {
    const cgroup = await create("placed");
    const expected = hierarchiesOf(layout).map((h) => join(h.ownDir, GROUP, "placed", "cgroup.procs"));
    assert.deepEqual(cgroup.procsFiles().sort(), expected.sort());
    for (const file of cgroup.procsFiles()) assert.ok(existsSync(file), file);
  });

  it("writes the limits, and a process that joins runs only on the requested CPU", async () => {
    const lastCpu = String(Math.max(...parseCpuList(cgroups.host.cpus)!));
    const cgroup = await create("limits", { Memory: 64 * MiB, PidsLimit: 20, NanoCpus: 5e8, CpuShares: 512, CpusetCpus: lastCpu, BlkioWeight: 300 });
    const memory = dirIn(cgroup, layout.home.get("memory")!.mount);
    assert.equal(readControl(memory, "memory.limit_in_bytes"), String(64 * MiB));
    assert.equal(readControl(memory, "memory.memsw.limit_in_bytes"), String(128 * MiB));
    assert.equal(readControl(dirIn(cgroup, layout.home.get("pids")!.mount), "pids.max"), "20");
    const cpu = dirIn(cgroup, layout.home.get("cpu")!.mount);
    assert.equal(readControl(cpu, "cpu.cfs_quota_us"), "50000");
    assert.equal(readControl(cpu, "cpu.cfs_period_us"), "100000");
    assert.equal(readControl(cpu, "cpu.shares"), "512");
    assert.match(readControl(dirIn(cgroup, layout.home.get("blkio")!.mount), "blkio.bfq.weight"), /\b300$/);

    const run = await start(cgroup, "exec sleep 30");
    const status = readFileSync(`/proc/${run.child.pid}/status`, "utf8");
    assert.match(status, new RegExp(`^Cpus_allowed_list:\\s+${lastCpu}$`, "m"));
    assert.deepEqual(await cgroup.pids(), [run.child.pid]);
    const stats = await cgroup.stats();
    assert.equal(stats.memory?.limit, 64 * MiB);
    assert.deepEqual(stats.pids, { current: 1, limit: 20 });
  });

  it("gives the device allow-list: the disk cannot be opened, /dev/null can", async () => {
    const cgroup = await create("devices");
    assert.equal(
      readControl(dirIn(cgroup, layout.home.get("devices")!.mount), "devices.list").split("\n").length,
      12,
      "Docker's twelve rules, nothing else",
    );
    const run = await start(cgroup, `: < /dev/null && echo null-ok; : < ${diskOf(tmpdir()).path} && echo disk-open`);
    await run.exited;
    assert.match(run.output(), /null-ok/);
    assert.match(run.output(), /Operation not permitted/);
    assert.doesNotMatch(run.output(), /disk-open/);

    const privileged = await create("privileged", { Privileged: true });
    assert.equal(readControl(dirIn(privileged, layout.home.get("devices")!.mount), "devices.list"), "a *:* rwm");
  });

  it("stops forks at PidsLimit", async () => {
    const cgroup = await create("pids", { PidsLimit: 5 });
    const run = await start(cgroup, "for i in 1 2 3 4 5 6 7 8; do sleep 30 & done; echo all-forked");
    const { code } = await run.exited;
    assert.equal(code, 2);
    assert.match(run.output(), /Cannot fork/);
    assert.doesNotMatch(run.output(), /all-forked/);
    // the shell and four sleeps made five; the shell has exited, its four sleeps remain
    assert.equal((await cgroup.pids()).length, 4);
    assert.match(readControl(dirIn(cgroup, layout.home.get("pids")!.mount), "pids.events"), /^max [1-9]/);
  });

  it("OOM-kills a process that allocates past Memory: exit 137 and oomKilled()", async () => {
    const cgroup = await create("oom", { Memory: 32 * MiB });
    assert.equal(await cgroup.oomKilled(), false);
    const run = await start(cgroup, `awk 'BEGIN { s = "x"; while (1) s = s s }'; echo "exit=$?"`);
    assert.equal((await run.exited).code, 0);
    assert.match(run.output(), /exit=137/);
    assert.equal(await cgroup.oomKilled(), true);
    assert.ok((await cgroup.stats()).memory!.maxUsage! <= 32 * MiB);
  });

  it("throttles a busy loop to its CPU quota", async () => {
    // a tenth of a CPU: throttled even when other work leaves the loop less than a whole CPU
    const cgroup = await create("cpu", { NanoCpus: 1e8 });
    const began = process.hrtime.bigint();
    const run = await start(cgroup, "timeout 1 sh -c 'while :; do :; done'; true");
    await run.exited;
    const wallNs = Number(process.hrtime.bigint() - began);
    const stats = await cgroup.stats();
    assert.ok(stats.throttling!.throttledPeriods > 0, `throttled in ${stats.throttling!.throttledPeriods} periods`);
    assert.ok(stats.cpu!.totalNs < 0.2 * wallNs, `used ${stats.cpu!.totalNs} ns of CPU in ${wallNs} ns at 0.1 CPUs`);
  });

  it("freezes and thaws: a busy process gets no CPU while frozen", async () => {
    const cgroup = await create("freeze");
    await start(cgroup, "while :; do :; done");
    await cgroup.freeze();
    assert.equal(await cgroup.isFrozen(), true);
    assert.equal(readControl(dirIn(cgroup, layout.home.get("freezer")!.mount), "freezer.state"), "FROZEN");
    const frozenAt = await cpuNs(cgroup);
    await sleep(100);
    assert.equal(await cpuNs(cgroup), frozenAt);
    await cgroup.thaw();
    assert.equal(await cgroup.isFrozen(), false);
    await sleep(100);
    assert.ok((await cpuNs(cgroup)) > frozenAt);
  });

  it("signals every process with killAll, leaves a paused container paused, and removes every directory", async () => {
    const cgroup = await create("kill");
    const run = await start(cgroup, "sleep 30 & sleep 30 & wait");
    assert.equal((await cgroup.pids()).length, 3);
    await cgroup.freeze();
    await cgroup.killAll("SIGTERM");
    assert.equal(await cgroup.isFrozen(), true, "still paused");
    await cgroup.thaw();
    assert.equal((await run.exited).signal, "SIGTERM");
    await cgroup.killAll();
    await cgroup.remove();
    for (const file of cgroup.procsFiles()) assert.ok(!existsSync(dirname(file)));
    assert.equal(await cgroups.open("kill"), undefined);
  });

  it("kills a container with SIGKILL, then remove waits for the processes to leave", async () => {
    const cgroup = await create("sigkill");
    const run = await start(cgroup, "sleep 30 & sleep 30 & wait");
    await cgroup.killAll();
    await cgroup.remove();
    assert.equal((await run.exited).signal, "SIGKILL");
    assert.deepEqual(await cgroups.list(), []);
  });

  it("refuses to remove a cgroup that still holds processes, without touching them", async () => {
    const cgroup = await create("busy");
    const run = await start(cgroup, "exec sleep 30");
    await assert.rejects(cgroup.remove(200), /timed out after 200 ms waiting until .*busy holds no process and is removed/);
    assert.equal(run.child.exitCode, null);
    assert.deepEqual(await cgroup.pids(), [run.child.pid]);
  });

  it("updates limits either way, raising memory above the old memsw and lowering it again", async () => {
    const cgroup = await create("update", { Memory: 32 * MiB, PidsLimit: 10 });
    const memory = dirIn(cgroup, layout.home.get("memory")!.mount);
    assert.deepEqual(await cgroup.update({ Memory: 128 * MiB, PidsLimit: 20 }), []);
    assert.equal(readControl(memory, "memory.limit_in_bytes"), String(128 * MiB));
    assert.equal(readControl(memory, "memory.memsw.limit_in_bytes"), String(256 * MiB));
    assert.equal(readControl(dirIn(cgroup, layout.home.get("pids")!.mount), "pids.max"), "20");
    await cgroup.update({ Memory: 16 * MiB });
    assert.equal(readControl(memory, "memory.limit_in_bytes"), String(16 * MiB));
    assert.equal(readControl(memory, "memory.memsw.limit_in_bytes"), String(32 * MiB));
  });

  it("throttles reads from the disk to BlkioDeviceReadBps", async () => {
    const scratch = mkdtempSync(join(tmpdir(), "berth-blkio-"));
    try {
      const file = join(scratch, "data");
      writeFileSync(file, Buffer.alloc(2 * MiB, 1));
      const disk = diskOf(file);
      const cgroup = await create("blkio", { BlkioDeviceReadBps: [{ Path: disk.path, Rate: 2 * MiB }] });
      assert.equal(readControl(dirIn(cgroup, layout.home.get("blkio")!.mount), "blkio.throttle.read_bps_device"), `${disk.number} ${2 * MiB}`);
      const began = Date.now();
      const run = await start(cgroup, `dd if=${file} of=/dev/null bs=256k iflag=direct 2>&1`);
      assert.equal((await run.exited).code, 0, run.output());
      // unthrottled this takes a few ms; throttled, a second less the first slice's allowance
      assert.ok(Date.now() - began >= 700, `2 MiB at 2 MiB/s took ${Date.now() - began} ms`);
    } finally {
      rmSync(scratch, { recursive: true });
    }
  });

  it("finds a cgroup left by an earlier daemon, opens and removes it", async () => {
    const { cgroup: orphan } = await cgroups.createCgroup("orphan", { PidsLimit: 7 });
    const restarted = await openCgroups({ group: GROUP });
    assert.deepEqual(await restarted.list(), ["orphan"]);
    const found = await restarted.open("orphan");
    assert.deepEqual(found?.procsFiles(), orphan.procsFiles());
    assert.equal((await found!.stats()).pids?.limit, 7);
    await found!.killAll();
    await found!.remove();
    assert.deepEqual(await restarted.list(), []);
  });

  it("rejects invalid limits in dockerd's words and creates nothing", async () => {
    await assert.rejects(cgroups.createCgroup("bad", { Memory: MiB }), { message: "Minimum memory limit allowed is 6MB" });
    const n = cgroups.host.count;
    await assert.rejects(cgroups.createCgroup("bad", { NanoCpus: (n + 1) * 1e9 }), {
      message: `Range of CPUs is from 0.01 to ${n}.00, as there are only ${n} CPUs available`,
    });
    await assert.rejects(cgroups.createCgroup("bad", { CpusetCpus: "0-63" }), {
      message: `Requested CPUs are not available - requested 0-63, available: ${cgroups.host.cpus}`,
    });
    assert.throws(() => cgroups.validate({ PidsLimit: 10, Memory: 2 * MiB }), { message: "Minimum memory limit allowed is 6MB" });
    cgroups.validate({ PidsLimit: 10, Memory: 64 * MiB });
    assert.deepEqual(await cgroups.list(), []);
    assert.deepEqual(findDirs("bad", join(layout.home.get("memory")!.ownDir, GROUP), 1), []);
  });

  it("refuses a second cgroup of the same name and leaves the first intact", async () => {
    const first = await create("twice");
    await assert.rejects(cgroups.createCgroup("twice", {}), /a cgroup named "twice" already exists/);
    for (const file of first.procsFiles()) assert.ok(existsSync(file));
  });

  describe("cgroup v2 (the unified hierarchy, which has no controllers here)", () => {
    let v2: Cgroups;

    before(async function () {
      if (!layout.unified) this.skip();
      v2 = await openCgroups({ group: V2_GROUP, layout: assignControllers({ v1: [], v2: layout.unified }, "") });
    });

    it("creates, groups, freezes, thaws, kills with cgroup.kill and removes", async () => {
      const { cgroup, warnings } = await v2.createCgroup("c1", { Memory: 64 * MiB, PidsLimit: 10 });
      made.push(cgroup);
      assert.deepEqual(warnings.sort(), [
        "Memory: not applied, no cgroup hierarchy here offers the memory controller",
        "MemorySwap: not applied, no cgroup hierarchy here offers the memory controller",
        "PidsLimit: not applied, no cgroup hierarchy here offers the pids controller",
        "devices: not applied, no cgroup hierarchy here offers the devices controller",
      ]);
      assert.deepEqual(cgroup.procsFiles(), [join(layout.unified!.ownDir, V2_GROUP, "c1", "cgroup.procs")]);
      const run = await start(cgroup, "sleep 30 & while :; do :; done");
      assert.equal((await cgroup.pids()).length, 2);

      await cgroup.freeze();
      const dir = dirname(cgroup.procsFiles()[0]!);
      assert.match(readControl(dir, "cgroup.events"), /^frozen 1$/m);
      const frozenAt = await cpuNs(cgroup);
      await sleep(100);
      assert.equal(await cpuNs(cgroup), frozenAt);
      await cgroup.thaw();
      await sleep(100);
      assert.ok((await cpuNs(cgroup)) > frozenAt);

      await cgroup.killAll();
      assert.equal((await run.exited).signal, "SIGKILL");
      await cgroup.remove();
      assert.ok(!existsSync(dir));
      assert.deepEqual(await v2.list(), []);
    });
  });
});
