import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { UserError } from "../../../src/compose/errors.js";
import { blockDeviceNumber, parseCpuList, resolveLimits, type Limits } from "../../../src/runtime/cgroups/limits.js";

const HOST = { count: 2, cpus: "0-1", mems: "0" };
const MiB = 1024 * 1024;
const fakeDisk = (path: string) => {
  if (path !== "/dev/vdb") throw new UserError(`${path} is not a block device; a throttled device must be one, such as /dev/sda`);
  return { major: 254, minor: 16 };
};

function rejects(limits: Limits, message: string): void {
  assert.throws(() => resolveLimits(limits, HOST, fakeDisk), (err: unknown) => {
    assert.ok(err instanceof UserError);
    assert.equal(err.message, message);
    return true;
  });
}

describe("cgroup limits from HostConfig", () => {
  it("leaves everything unset for an empty HostConfig, with Docker's device allow-list", () => {
    assert.deepEqual(resolveLimits({}, HOST), {
      memory: undefined, memorySwap: undefined, memoryReservation: undefined,
      cpuQuota: undefined, cpuPeriod: undefined, cpuShares: undefined,
      cpusetCpus: undefined, cpusetMems: undefined, pidsLimit: undefined, blkioWeight: undefined,
      readBps: [], writeBps: [], readIOps: [], writeIOps: [], devices: "default",
    });
  });

  it("gives as much swap as memory when MemorySwap is unset, as dockerd does", () => {
    const r = resolveLimits({ Memory: 64 * MiB }, HOST);
    assert.equal(r.memory, 64 * MiB);
    assert.equal(r.memorySwap, 128 * MiB);
    assert.equal(resolveLimits({ Memory: 64 * MiB, MemorySwap: -1 }, HOST).memorySwap, -1);
    assert.equal(resolveLimits({ Memory: 64 * MiB, MemorySwap: 64 * MiB }, HOST).memorySwap, 64 * MiB);
  });

  it("turns NanoCpus into a quota over a 100 ms period", () => {
    const r = resolveLimits({ NanoCpus: 1.5e9 }, HOST);
    assert.equal(r.cpuQuota, 150_000);
    assert.equal(r.cpuPeriod, 100_000);
    const explicit = resolveLimits({ CpuQuota: 20_000, CpuPeriod: 50_000 }, HOST);
    assert.equal(explicit.cpuQuota, 20_000);
    assert.equal(explicit.cpuPeriod, 50_000);
  });

  it("clamps CpuShares into the kernel's range and maps PidsLimit 0 and -1 to unlimited", () => {
    assert.equal(resolveLimits({ CpuShares: 1 }, HOST).cpuShares, 2);
    assert.equal(resolveLimits({ CpuShares: 1_000_000 }, HOST).cpuShares, 262_144);
    assert.equal(resolveLimits({ PidsLimit: 0 }, HOST).pidsLimit, -1);
    assert.equal(resolveLimits({ PidsLimit: -1 }, HOST).pidsLimit, -1);
    assert.equal(resolveLimits({ PidsLimit: 50 }, HOST).pidsLimit, 50);
    assert.equal(resolveLimits({ PidsLimit: null }, HOST).pidsLimit, undefined);
  });

  it("lifts the device allow-list for privileged containers", () => {
    assert.equal(resolveLimits({ Privileged: true }, HOST).devices, "all");
  });

  it("resolves throttled devices to major:minor", () => {
    const r = resolveLimits({ BlkioDeviceReadBps: [{ Path: "/dev/vdb", Rate: 1024 }], BlkioDeviceWriteIOps: [{ Path: "/dev/vdb", Rate: 0 }] }, HOST, fakeDisk);
    assert.deepEqual(r.readBps, [{ major: 254, minor: 16, rate: 1024 }]);
    assert.deepEqual(r.writeIOps, [{ major: 254, minor: 16, rate: 0 }]);
  });

  it("refuses what dockerd refuses, in dockerd's words", () => {
    rejects({ Memory: 5 * MiB }, "Minimum memory limit allowed is 6MB");
    rejects({ MemorySwap: 64 * MiB }, "You should always set the Memory limit when using Memoryswap limit, see usage");
    rejects({ Memory: 64 * MiB, MemorySwap: 32 * MiB }, "Minimum memoryswap limit should be larger than memory limit, see usage");
    rejects({ MemoryReservation: MiB }, "Minimum memory reservation allowed is 6MB");
    rejects({ Memory: 16 * MiB, MemoryReservation: 32 * MiB }, "Minimum memory limit can not be less than memory reservation limit, see usage");
    rejects({ NanoCpus: 3e9 }, "Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available");
    rejects({ NanoCpus: 1e6 }, "Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available");
    rejects({ NanoCpus: 1e9, CpuQuota: 50_000 }, "Conflicting options: Nano CPUs and CPU Quota cannot both be set");
    rejects({ NanoCpus: 1e9, CpuPeriod: 50_000 }, "Conflicting options: Nano CPUs and CPU Period cannot both be set");
    rejects({ CpuPeriod: 500 }, "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
    rejects({ CpuQuota: 999 }, "CPU cfs quota can not be less than 1ms (i.e. 1000)");
    rejects({ CpusetCpus: "0-7" }, "Requested CPUs are not available - requested 0-7, available: 0-1");
    rejects({ CpusetCpus: "1-0" }, "Invalid value 1-0 for cpuset cpus");
    rejects({ CpusetMems: "1" }, "Requested memory nodes are not available - requested 1, available: 0");
    rejects({ BlkioWeight: 5 }, "Range of blkio weight is from 10 to 1000");
    rejects({ BlkioDeviceReadBps: [{ Path: "/dev/null", Rate: 1 }] }, "BlkioDeviceReadBps: /dev/null is not a block device; a throttled device must be one, such as /dev/sda");
    rejects({ BlkioDeviceWriteBps: [{ Path: "/dev/vdb", Rate: -1 }] }, "BlkioDeviceWriteBps: rate -1 for /dev/vdb is invalid; give a whole number ≥ 0 (0 lifts the limit)");
  });

  it("reads a block device's major:minor as the kernel reports it", () => {
    const disk = readdirSync("/sys/block")[0]!;
    const [major, minor] = readFileSync(`/sys/block/${disk}/dev`, "utf8").trim().split(":").map(Number);
    assert.deepEqual(blockDeviceNumber(`/dev/${disk}`), { major, minor });
  });

  it("reads a character device as not a block device, and a missing path as missing", () => {
    assert.throws(() => blockDeviceNumber("/dev/null"), /\/dev\/null is not a block device/);
    assert.throws(() => blockDeviceNumber("/dev/berth-no-such-disk"), /\/dev\/berth-no-such-disk does not exist/);
  });

  it("parses cpuset lists", () => {
    assert.deepEqual([...parseCpuList("0-2,5")!], [0, 1, 2, 5]);
    assert.equal(parseCpuList("a"), undefined);
    assert.equal(parseCpuList("0,,1"), undefined);
  });
});
