import assert from "node:assert/strict";
import { assignControllers, hierarchiesOf, parseHierarchies } from "../../../src/runtime/cgroups/detect.js";

// the project machine: v1 hybrid, memory accounted per caller, cgroup2 without controllers
const HYBRID_MOUNTINFO = `22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw`;
const HYBRID_SELF = `9:name=systemd:/
8:pids:/
7:blkio:/
6:freezer:/
5:devices:/
4:memory:/process_api/3a79
3:cpuset:/
2:cpuacct:/
1:cpu:/
0::/`;

const PURE_V2_MOUNTINFO = `25 1 254:1 / / rw - ext4 /dev/vda1 rw
30 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot`;

describe("cgroup hierarchy detection", () => {
  it("finds each v1 hierarchy with the caller's own cgroup in it, and cgroup2", () => {
    const { v1, v2 } = parseHierarchies(HYBRID_MOUNTINFO, HYBRID_SELF);
    const memory = v1.find((h) => h.controllers.includes("memory"));
    assert.deepEqual(memory?.hierarchy, { version: 1, mount: "/sys/fs/cgroup/memory", ownDir: "/sys/fs/cgroup/memory/process_api/3a79" });
    assert.deepEqual(v2, { version: 2, mount: "/sys/fs/cgroup/unified", ownDir: "/sys/fs/cgroup/unified" });
  });

  it("serves every controller from v1 on the hybrid machine and still joins cgroup2", () => {
    const layout = assignControllers(parseHierarchies(HYBRID_MOUNTINFO, HYBRID_SELF), "");
    for (const [controller, hierarchy] of layout.home) assert.equal(hierarchy.version, 1, controller);
    assert.equal(layout.home.size, 8);
    assert.equal(layout.home.get("cpu")?.mount, "/sys/fs/cgroup/cpu");
    assert.equal(layout.home.get("cpuacct")?.mount, "/sys/fs/cgroup/cpuacct");
    // 8 v1 hierarchies plus cgroup2; name=systemd serves nothing berth uses
    assert.equal(hierarchiesOf(layout).length, 9);
    assert.ok(!hierarchiesOf(layout).some((h) => h.mount.endsWith("systemd")));
  });

  it("serves every controller but devices from cgroup2 on a pure v2 host", () => {
    const layout = assignControllers(
      parseHierarchies(PURE_V2_MOUNTINFO, "0::/system.slice/berthd.service\n"),
      "cpuset cpu io memory hugetlb pids rdma misc",
    );
    const v2Dir = "/sys/fs/cgroup/system.slice/berthd.service";
    assert.deepEqual(
      [...layout.home].map(([c, h]) => [c, h.version, h.ownDir]).sort(),
      ["blkio", "cpu", "cpuacct", "cpuset", "freezer", "memory", "pids"].map((c) => [c, 2, v2Dir]),
    );
    assert.ok(!layout.home.has("devices"));
    assert.equal(hierarchiesOf(layout).length, 1);
  });

  it("mixes versions per controller: a controller not bound to v1 goes to cgroup2 when it offers it", () => {
    const mountinfo = `32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw`;
    const layout = assignControllers(parseHierarchies(mountinfo, "2:cpu,cpuacct:/berthd\n0::/\n"), "memory pids");
    assert.equal(layout.home.get("cpu")?.ownDir, "/sys/fs/cgroup/cpu,cpuacct/berthd");
    assert.equal(layout.home.get("cpuacct"), layout.home.get("cpu"));
    assert.equal(layout.home.get("memory")?.version, 2);
    assert.equal(layout.home.get("pids")?.version, 2);
    assert.equal(layout.home.get("freezer")?.version, 2);
    assert.ok(!layout.home.has("cpuset") && !layout.home.has("blkio"));
  });

  it("places the own cgroup relative to a mount whose root is not the hierarchy's root, and unescapes mount points", () => {
    const mountinfo = `50 40 0:32 /docker/abc /sys/fs/cgroup/mem\\040ory ro - cgroup cgroup rw,memory`;
    const { v1 } = parseHierarchies(mountinfo, "4:memory:/docker/abc/inner\n");
    assert.equal(v1[0]?.hierarchy.ownDir, "/sys/fs/cgroup/mem ory/inner");
  });

  it("ignores a mount of the hierarchy that does not contain the own cgroup", () => {
    const mountinfo = `50 40 0:32 /other /mnt/other rw - cgroup cgroup rw,pids
51 40 0:32 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids`;
    const { v1 } = parseHierarchies(mountinfo, "8:pids:/berth\n");
    assert.equal(v1[0]?.hierarchy.ownDir, "/sys/fs/cgroup/pids/berth");
  });
});
