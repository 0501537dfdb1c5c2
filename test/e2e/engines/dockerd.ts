// A real Docker engine (Debian's docker.io) as a TestEngine, run by dockerd.sh: its own data and exec roots,
// containerd, /run, cgroup and a throwaway network namespace, so that docker0, its iptables rules, the FORWARD
// policy and ip_forward it sets never reach the real host. stop() asserts that the host's firewall, ip_forward
// and links are as they were before the start.
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import Docker from "dockerode";
import { removeTestHostNetns, testHostNetns } from "../../integration/engine/berthd.js";
import { loadBusybox, settledVeths } from "../../integration/containers/helpers.js";
import type { TestEngine } from "./engine.js";

const DOCKERD_SH = resolve(import.meta.dirname, "dockerd.sh");

/** What dockerd could change on the host if it escaped its namespace: firewall, forwarding, links. */
function hostNetworkState(): string {
  const run = (command: string, ...args: string[]) => `$ ${command} ${args.join(" ")}\n${execFileSync(command, args, { encoding: "utf8" })}`;
  return [
    run("iptables", "-S"),
    run("iptables", "-t", "nat", "-S"),
    run("nft", "list", "ruleset"),
    `ip_forward=${readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8")}`,
    run("ip", "-o", "link", "show"),
  ].join("\n");
}

/** Command lines of the processes whose arguments name `root` (dockerd, containerd, their shims). */
function processesNaming(root: string): string[] {
  return readdirSync("/proc").filter((p) => /^\d+$/.test(p)).flatMap((pid) => {
    try {
      const command = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      return command.includes(root) ? [command] : [];
    } catch {
      return [];
    }
  });
}

export async function startDockerd(): Promise<TestEngine> {
  for (const program of ["dockerd", "containerd"]) {
    if (spawnSync(program, ["--version"]).error) {
      throw new Error(`${program} is not installed: the real-Docker e2e suite needs Debian's docker.io (apt-get install docker.io; .ci/run installs it)`);
    }
  }
  const hostBefore = hostNetworkState();
  const root = mkdtempSync(join(tmpdir(), "berth-dockerd-"));
  const child = spawn(DOCKERD_SH, [root], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk));
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  const removeRoot = () => {
    removeTestHostNetns(root);
    rmSync(root, { recursive: true, force: true });
  };
  const docker = new Docker({ socketPath: join(root, "docker.sock") });
  try {
    await new Promise<void>((done, fail) => {
      child.stderr.on("data", () => {
        if (output.includes("API listen on ")) done();
      });
      void exited.then((code) => fail(new Error(`dockerd.sh exited with ${code} before dockerd listened:\n${output}`)));
    });
    await loadBusybox(docker);
  } catch (error) {
    child.kill("SIGTERM");
    await exited;
    removeRoot();
    throw error;
  }

  const stop = async () => {
    child.kill("SIGTERM");
    assert.equal(await exited, 0, output);
    assert.deepEqual(processesNaming(root), [], "no dockerd, containerd or shim is left running");
    const groups = execFileSync("find", ["/sys/fs/cgroup", "-type", "d", "-name", basename(root), "-prune", "-print"], { encoding: "utf8" });
    assert.equal(groups, "", "no container cgroup is left, in any hierarchy at any depth");
    assert.deepEqual(readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.includes(`${root}/`)), [], "no mount is left");
    removeRoot();
    assert.equal(existsSync(testHostNetns(root)), false, "dockerd's network namespace is gone");
    assert.equal(hostNetworkState(), hostBefore, "the host's firewall, ip_forward and links are as they were");
  };
  return { host: `unix://${join(root, "docker.sock")}`, docker, settledVeths: () => settledVeths(root), stop };
}
