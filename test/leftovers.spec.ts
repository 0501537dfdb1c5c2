// Suite-level teardown: after every test of the run, nothing the runtime makes may be left behind —
// no berth-monitor or test berthd process, no container cgroup, no mount in a temp dir, no new temp dir,
// no network namespace file (test daemons' host namespaces, containers'), no link or nft rule on the real host.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_ROOT } from "../src/engine/config.js";
import { cgroupGroup } from "../src/engine/daemon.js";

const TEMP = tmpdir();

/** The real host's link names: a test's bridge or veth must never appear here (test daemons run in their own netns). */
function hostLinks(): string[] {
  return execFileSync("ip", ["-o", "link"], { encoding: "utf8" }).split("\n").map((l) => l.split(":")[1]?.trim() ?? "").filter(Boolean);
}

/** The real host's nftables ruleset; empty when nft is not installed. */
function hostRuleset(): string {
  try {
    return execFileSync("nft", ["list", "ruleset"], { encoding: "utf8", stdio: "pipe" });
  } catch {
    return "";
  }
}

function processes(): { pid: number; exe: string; cmdline: string; cwd: string }[] {
  return readdirSync("/proc").filter((p) => /^\d+$/.test(p)).flatMap((p) => {
    try {
      const read = (what: string) => readlinkSync(`/proc/${p}/${what}`);
      return [{ pid: Number(p), exe: read("exe"), cwd: read("cwd"), cmdline: readFileSync(`/proc/${p}/cmdline`, "utf8").replace(/\0/g, " ") }];
    } catch {
      return []; // gone meanwhile, or a kernel thread
    }
  });
}

/** Container cgroup groups of test daemons, berthd's and dockerd's (a real berthd on the default root may run on this machine). */
function testCgroupGroups(): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 6) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const daemonGroup = /^berth-[0-9a-f]{12}$/.test(entry.name) && entry.name !== cgroupGroup(DEFAULT_ROOT);
      // The real dockerd of the engine-parity suite puts its containers in a group named after its temp root.
      if (daemonGroup || entry.name.startsWith("berth-dockerd-")) found.push(join(dir, entry.name));
      else walk(join(dir, entry.name), depth + 1);
    }
  };
  walk("/sys/fs/cgroup", 0);
  return found;
}

const berthTempDirs = () => readdirSync(TEMP).filter((name) => name.startsWith("berth"));

// what was there before the run is not the suite's doing (a machine may keep an earlier run's leftovers)
const before = new Set(berthTempDirs());
const nsfsMountPoints = () => readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((line) => / - nsfs /.test(line)).map((line) => line.split(" ")[4]!);
const nsfsBefore = new Set(nsfsMountPoints());
const linksBefore = new Set(hostLinks());
const rulesetBefore = hostRuleset();
const ipForward = () => readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8");
const ipForwardBefore = ipForward();
const cgroupsBefore = new Set(testCgroupGroups());

after("the whole suite left nothing behind", function () {
  const leaked = processes().filter(
    (p) => (p.exe.endsWith("/berth-monitor") && p.cwd.startsWith(TEMP)) || p.cmdline.includes("run-daemon.ts"),
  );
  assert.deepEqual(leaked.map((p) => `${p.pid} ${p.cmdline}`), [], "processes left running");
  assert.deepEqual(testCgroupGroups().filter((dir) => !cgroupsBefore.has(dir)), [], "cgroups left behind");
  const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((line) => line.split(" ")[4]?.startsWith(`${TEMP}/`));
  assert.deepEqual(mounts, [], "mounts left in temp directories");
  assert.deepEqual(berthTempDirs().filter((name) => !before.has(name)), [], "temp directories left behind");
  assert.deepEqual(nsfsMountPoints().filter((path) => !nsfsBefore.has(path)), [], "network namespace files left bound (test host or container namespaces)");
  assert.deepEqual(readdirSync(TEMP).filter((name) => name.endsWith(".netns")), [], "test host namespace files left behind");
  assert.deepEqual(hostLinks().filter((link) => !linksBefore.has(link)), [], "links left on the real host");
  assert.equal(hostRuleset(), rulesetBefore, "the real host's nftables ruleset changed");
  assert.equal(ipForward(), ipForwardBefore, "the real host's net.ipv4.ip_forward changed");
});
