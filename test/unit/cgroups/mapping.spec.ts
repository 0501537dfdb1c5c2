import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectoryCgroup } from "../../../src/runtime/cgroups/container.js";
import type { CgroupLayout, Hierarchy } from "../../../src/runtime/cgroups/detect.js";
import type { FileWrite } from "../../../src/runtime/cgroups/driver.js";
import { openCgroups } from "../../../src/runtime/cgroups/index.js";
import { resolveLimits } from "../../../src/runtime/cgroups/limits.js";
import { DEFAULT_DEVICE_RULES, v1 } from "../../../src/runtime/cgroups/v1.js";
import { blkioToIoWeight, sharesToWeight, v2 } from "../../../src/runtime/cgroups/v2.js";

const HOST = { count: 2, cpus: "0-1", mems: "0" };
const MiB = 1024 * 1024;
const disk = () => ({ major: 254, minor: 0 });

/** [file, value] per write, taking the first choice. */
function flat(writes: FileWrite[]): [string, string][] {
  return writes.map((w) => [w.choices[0]!.file, w.choices[0]!.value]);
}

/** A directory holding the given control files, each with its content. */
function fakeDir(dir: string, files: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
}

function read(file: string): string {
  return readFileSync(file, "utf8");
}

describe("cgroup v1 file mapping", () => {
  it("lifts memsw before setting memory so that memsw never falls below it, whichever way both move", () => {
    const r = resolveLimits({ Memory: 64 * MiB, MemoryReservation: 32 * MiB }, HOST);
    assert.deepEqual(flat(v1.limitWrites("memory", r)), [
      ["memory.memsw.limit_in_bytes", "-1"],
      ["memory.limit_in_bytes", String(64 * MiB)],
      ["memory.memsw.limit_in_bytes", String(128 * MiB)],
      ["memory.soft_limit_in_bytes", String(32 * MiB)],
    ]);
  });

  it("writes cfs quota and period, shares, pids and cpuset", () => {
    const r = resolveLimits({ NanoCpus: 5e8, CpuShares: 512, PidsLimit: 0, CpusetCpus: "1", CpusetMems: "0" }, HOST);
    assert.deepEqual(flat(v1.limitWrites("cpu", r)), [
      ["cpu.cfs_period_us", "100000"],
      ["cpu.cfs_quota_us", "50000"],
      ["cpu.shares", "512"],
    ]);
    assert.deepEqual(flat(v1.limitWrites("pids", r)), [["pids.max", "max"]]);
    assert.deepEqual(flat(v1.limitWrites("cpuset", r)), [["cpuset.cpus", "1"], ["cpuset.mems", "0"]]);
  });

  it("writes blkio weight to CFQ's file or else BFQ's, and one throttle line per device", () => {
    const r = resolveLimits({ BlkioWeight: 300, BlkioDeviceReadBps: [{ Path: "/dev/vda", Rate: 1_048_576 }], BlkioDeviceWriteIOps: [{ Path: "/dev/vda", Rate: 50 }] }, HOST, disk);
    const writes = v1.limitWrites("blkio", r);
    assert.deepEqual(writes[0]!.choices, [{ file: "blkio.weight", value: "300" }, { file: "blkio.bfq.weight", value: "300" }]);
    assert.deepEqual(flat(writes.slice(1)), [
      ["blkio.throttle.read_bps_device", "254:0 1048576"],
      ["blkio.throttle.write_iops_device", "254:0 50"],
    ]);
  });

  it("denies every device, then allows Docker's default list; privileged allows all", () => {
    const writes = flat(v1.limitWrites("devices", resolveLimits({}, HOST)));
    assert.deepEqual(writes[0], ["devices.deny", "a"]);
    assert.deepEqual(writes.slice(1).map(([, rule]) => rule), [...DEFAULT_DEVICE_RULES]);
    assert.ok(DEFAULT_DEVICE_RULES.includes("c 1:3 rwm") && DEFAULT_DEVICE_RULES.includes("c 136:* rwm"));
    assert.deepEqual(flat(v1.limitWrites("devices", resolveLimits({ Privileged: true }, HOST))), [["devices.allow", "a"]]);
  });

  it("writes nothing for a field left unset", () => {
    const r = resolveLimits({}, HOST);
    for (const c of ["memory", "pids", "cpu", "cpuset", "blkio"] as const) assert.deepEqual(v1.limitWrites(c, r), [], c);
  });
});

describe("cgroup v2 file mapping", () => {
  it("converts shares and blkio weight the way runc does", () => {
    assert.equal(sharesToWeight(2), 1);
    assert.equal(sharesToWeight(1024), 39);
    assert.equal(sharesToWeight(262_144), 10_000);
    assert.equal(blkioToIoWeight(10), 1);
    assert.equal(blkioToIoWeight(500), 4950);
    assert.equal(blkioToIoWeight(1000), 10_000);
  });

  it("limits swap alone, since Docker's MemorySwap counts memory plus swap", () => {
    assert.deepEqual(flat(v2.limitWrites("memory", resolveLimits({ Memory: 64 * MiB, MemorySwap: 96 * MiB }, HOST))), [
      ["memory.max", String(64 * MiB)],
      ["memory.swap.max", String(32 * MiB)],
    ]);
    assert.deepEqual(flat(v2.limitWrites("memory", resolveLimits({ Memory: 64 * MiB, MemorySwap: -1 }, HOST))), [
      ["memory.max", String(64 * MiB)],
      ["memory.swap.max", "max"],
    ]);
  });

  it("writes cpu.max as quota and period, keeping the period when only a quota is given", () => {
    assert.deepEqual(flat(v2.limitWrites("cpu", resolveLimits({ NanoCpus: 2.5e8 }, HOST))), [["cpu.max", "25000 100000"]]);
    assert.deepEqual(flat(v2.limitWrites("cpu", resolveLimits({ CpuQuota: 30_000 }, HOST))), [["cpu.max", "30000"]]);
    assert.deepEqual(flat(v2.limitWrites("cpu", resolveLimits({ CpuPeriod: 50_000 }, HOST))), [["cpu.max", "max 50000"]]);
    assert.deepEqual(flat(v2.limitWrites("cpu", resolveLimits({ CpuQuota: -1 }, HOST))), [["cpu.max", "max"]]);
  });

  it("throttles devices through io.max, where a zero rate lifts the limit", () => {
    const r = resolveLimits({ BlkioDeviceReadBps: [{ Path: "/dev/vda", Rate: 4096 }], BlkioDeviceWriteBps: [{ Path: "/dev/vda", Rate: 0 }] }, HOST, disk);
    assert.deepEqual(flat(v2.limitWrites("blkio", r)), [["io.max", "254:0 rbps=4096"], ["io.max", "254:0 wbps=max"]]);
  });
});

describe("container cgroup on a fake hierarchy", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "berth-cgroup-fake-"));
  });
  afterEach(() => {
    rmSync(root, { recursive: true });
    assert.ok(!existsSync(root));
  });

  it("v2: puts the group under the nearest ancestor without processes, enables controllers, writes each limit file", async () => {
    const mount = join(root, "unified");
    const own = join(mount, "system.slice", "berthd.service");
    fakeDir(mount, { "cgroup.procs": "", "cgroup.subtree_control": "" });
    fakeDir(join(mount, "system.slice"), { "cgroup.procs": "", "cgroup.subtree_control": "memory" });
    fakeDir(own, { "cgroup.procs": "4242\n" });
    const groupDir = join(mount, "system.slice", "berth-t");
    fakeDir(groupDir, { "cgroup.subtree_control": "" });
    const files = { "memory.max": "max", "memory.low": "0", "pids.max": "max", "cpu.max": "max 100000", "cpu.weight": "100", "cpuset.cpus": "", "cpuset.mems": "", "io.weight": "default 100", "io.max": "" };
    fakeDir(join(groupDir, "c1"), files);

    const v2h: Hierarchy = { version: 2, mount, ownDir: own };
    const layout: CgroupLayout = {
      home: new Map((["memory", "pids", "cpu", "cpuacct", "cpuset", "blkio", "freezer"] as const).map((c) => [c, v2h])),
      unified: v2h,
    };
    const cgroups = await openCgroups({ group: "berth-t", layout, host: HOST });
    assert.equal(read(join(mount, "system.slice", "cgroup.subtree_control")), "+pids +cpu +cpuset +io");
    assert.equal(read(join(groupDir, "cgroup.subtree_control")), "+memory +pids +cpu +cpuset +io");
    assert.ok(!existsSync(join(own, "berth-t")), "nothing made under the cgroup that holds berthd");

    const cgroup = await cgroups.open("c1");
    assert.deepEqual(cgroup?.procsFiles(), [join(groupDir, "c1", "cgroup.procs")]);
    const warnings = await cgroup!.update({ Memory: 64 * MiB, MemorySwap: -1, MemoryReservation: 8 * MiB, PidsLimit: 42, NanoCpus: 1.5e9, CpuShares: 1024, CpusetCpus: "1", BlkioWeight: 500 });
    const dir = join(groupDir, "c1");
    assert.equal(read(join(dir, "memory.max")), String(64 * MiB));
    assert.equal(read(join(dir, "memory.low")), String(8 * MiB));
    assert.equal(read(join(dir, "pids.max")), "42");
    assert.equal(read(join(dir, "cpu.max")), "150000 100000");
    assert.equal(read(join(dir, "cpu.weight")), "39");
    assert.equal(read(join(dir, "cpuset.cpus")), "1");
    assert.equal(read(join(dir, "io.weight")), "4950", "io.bfq.weight is absent, so io.weight with runc's conversion");
    assert.deepEqual(warnings, [`MemorySwap: not applied, this kernel offers no memory.swap.max in ${dir}`]);
    assert.ok(!existsSync(join(dir, "memory.swap.max")), "a missing control file is never created");
  });

  it("v1: copies cpus and mems from the parent into a new cpuset group, sets clone_children, and warns of limits no hierarchy offers", async () => {
    const own = join(root, "cpuset");
    fakeDir(own, { "cpuset.cpus": "0-1", "cpuset.mems": "0" });
    fakeDir(join(own, "berth-t"), { "cpuset.cpus": "", "cpuset.mems": "", "cgroup.clone_children": "0" });
    const cpuset: Hierarchy = { version: 1, mount: own, ownDir: own };
    const layout: CgroupLayout = { home: new Map([["cpuset", cpuset]]) };
    const cgroups = await openCgroups({ group: "berth-t", layout, host: HOST });
    assert.equal(read(join(own, "berth-t", "cpuset.cpus")), "0-1");
    assert.equal(read(join(own, "berth-t", "cpuset.mems")), "0");
    assert.equal(read(join(own, "berth-t", "cgroup.clone_children")), "1", "the kernel fills in the container directories");
    assert.deepEqual(await cgroups.list(), []);

    // the devices controller has no home in this layout, as on a pure v2 host
    const cgroup = new DirectoryCgroup("c1", layout, HOST, new Map());
    const warnings = await cgroup.apply(resolveLimits({ Memory: 64 * MiB }, HOST), { devices: true });
    assert.deepEqual(warnings, [
      "MemorySwap: not applied, no cgroup hierarchy here offers the memory controller",
      "Memory: not applied, no cgroup hierarchy here offers the memory controller",
      "devices: not applied, no cgroup hierarchy here offers the devices controller",
    ]);
  });

  it("refuses a name that is not one plain path component", async () => {
    const own = join(root, "pids");
    fakeDir(own, {});
    const layout: CgroupLayout = { home: new Map([["pids", { version: 1, mount: own, ownDir: own }]]) };
    await assert.rejects(openCgroups({ group: "../escape", layout, host: HOST }), /invalid cgroup group "\.\.\/escape"/);
    const cgroups = await openCgroups({ group: "berth-t", layout, host: HOST });
    await assert.rejects(cgroups.createCgroup("a/../../b", {}), /invalid cgroup name "a\/\.\.\/\.\.\/b": use up to 128 letters/);
    await assert.rejects(cgroups.open(".."), /invalid cgroup name/);
    assert.deepEqual(await cgroups.list(), []);
  });
});
