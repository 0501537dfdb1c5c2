// What a container sees, asserted from inside through the API: its own processes and network only,
// Docker's capability set, masked paths, a read-only root when asked, binds and tmpfs, limits enforced.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import { inTestHost } from "../engine/berthd.js";
import { BUSYBOX, demux, useEngine } from "./helpers.js";

const DOCKER_DEFAULT_CAP_MASK = "00000000a80425fb";

describe("containers: isolation seen from inside (integration, root)", function () {
  this.timeout(60_000);
  let docker: Docker;
  let root: string;
  useEngine((started) => ({ docker, root } = started));

  /** Runs `script` to its end and returns its exit code, stdout and inspect's State. */
  async function run(script: string, options: Docker.ContainerCreateOptions = {}) {
    const container = await docker.createContainer({ Image: BUSYBOX, Cmd: ["sh", "-c", script], ...options });
    await container.start();
    const { StatusCode } = await container.wait();
    const logs = (await container.logs({ stdout: true, stderr: true, follow: true })) as unknown as NodeJS.ReadableStream;
    const { stdout, stderr } = await demux(docker, logs);
    const { State } = await container.inspect();
    await container.remove();
    return { code: StatusCode, stdout, stderr, state: State };
  }

  it("sees only its own processes, only its own interfaces, its own hostname and hosts entry", async () => {
    const script = 'echo "$(ls -d /proc/[0-9]* | wc -l) $(ls /sys/class/net | tr "\\n" " ")$(hostname) $(grep -c "$(hostname)" /etc/hosts)"';
    const { stdout } = await run(script, { Hostname: "inside" });
    const [procs, ...rest] = stdout.trim().split(" ");
    assert.ok(Number(procs) <= 4, `sees ${procs} processes`);
    assert.deepEqual(rest, ["eth0", "lo", "inside", "1"], "its endpoint on the default bridge and loopback");
    const none = await run(script, { Hostname: "alone", HostConfig: { NetworkMode: "none" } });
    assert.deepEqual(none.stdout.trim().split(" ").slice(1), ["lo", "alone", "1"], "NetworkMode none: loopback only");
  });

  it("has Docker's default capabilities, changed by CapAdd/CapDrop; no_new_privs from SecurityOpt", async () => {
    const caps = (options: Docker.HostConfig) => run("grep -E '^(CapEff|NoNewPrivs)' /proc/self/status | tr -d '\\t'", { HostConfig: options });
    assert.equal((await caps({})).stdout, `CapEff:${DOCKER_DEFAULT_CAP_MASK}\nNoNewPrivs:0\n`);
    assert.equal((await caps({ CapDrop: ["ALL"], SecurityOpt: ["no-new-privileges"] })).stdout, "CapEff:0000000000000000\nNoNewPrivs:1\n");
    // NET_ADMIN is bit 12: 0x1000 more than the default set
    assert.equal((await caps({ CapAdd: ["NET_ADMIN"], CapDrop: ["CHOWN"] })).stdout, "CapEff:00000000a80435fa\nNoNewPrivs:0\n");
  });

  it("masks Docker's paths and keeps /proc/sys read-only; ReadonlyRootfs refuses writes", async () => {
    const masked = await run("cat /proc/kcore | wc -c; ls /sys/firmware | wc -l; echo 1 > /proc/sys/kernel/ns_last_pid || echo ro");
    assert.deepEqual(masked.stdout.trim().split("\n").map((l) => l.trim()), ["0", "0", "ro"]);
    const readonly = await run("touch /file 2>&1", { HostConfig: { ReadonlyRootfs: true } });
    assert.match(readonly.stdout, /Read-only file system/);
  });

  it("binds host paths (read-only when asked) and mounts tmpfs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "berth-bind-"));
    try {
      writeFileSync(join(dir, "in"), "from host");
      const { stdout, code } = await run("cat /data/in; echo out > /data/out; touch /ro/x 2>&1 | grep -c Read-only; grep ' /scratch ' /proc/mounts | cut -d' ' -f3", {
        HostConfig: { Binds: [`${dir}:/data`, `${dir}:/ro:ro`], Tmpfs: { "/scratch": "size=1m" } },
      });
      assert.equal(code, 0);
      assert.equal(stdout, "from host1\ntmpfs\n");
      assert.equal(readFileSync(join(dir, "out"), "utf8"), "out\n");
      const created = await run("touch /made/file", { HostConfig: { Binds: [`${dir}/made/here:/made`] } });
      assert.equal(created.code, 0, "a missing bind source is created, as dockerd does");
      assert.ok(existsSync(join(dir, "made/here/file")));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("shares the host's network only with NetworkMode host", async () => {
    const { stdout } = await run("ls /sys/class/net | tr '\\n' ' '", { HostConfig: { NetworkMode: "host" } });
    // berthd's host is its test host namespace (../engine/in-test-host.sh): lo and the default bridge.
    const hostLinks = inTestHost(root, "ip", "-o", "link").split("\n").filter(Boolean).map((line) => line.split(": ")[1]!.replace(/@.*/, ""));
    assert.deepEqual(stdout.trim().split(" ").sort(), hostLinks.sort());
    assert.ok(hostLinks.some((name) => name.startsWith("br-")));
  });

  it("joins another container's network namespace with NetworkMode container:<name>", async () => {
    const server = await docker.createContainer({ Image: BUSYBOX, name: "netowner", Cmd: ["sh", "-c", "echo hello-from-owner | nc -l -p 7070"] });
    await server.start();
    const client = await run("for i in $(seq 50); do nc 127.0.0.1 7070 2>/dev/null && break; sleep 0.1; done", { HostConfig: { NetworkMode: "container:netowner" } });
    assert.equal(client.stdout, "hello-from-owner\n");
    await server.remove({ force: true });
  });

  it("enforces the memory limit (OOM kill, exit 137, State.OOMKilled) and the pids limit", async () => {
    const oom = await run("x=a; while :; do x=$x$x; done", { HostConfig: { Memory: 32 * 1024 * 1024, MemorySwap: 32 * 1024 * 1024 } });
    assert.equal(oom.code, 137);
    assert.equal(oom.state.OOMKilled, true);
    const pids = await run("for i in $(seq 40); do sleep 30 & done; echo all forked", { HostConfig: { PidsLimit: 10 } });
    assert.match(pids.stderr, /can't fork/);
    assert.doesNotMatch(pids.stdout, /all forked/);
  });
});
