// berth-monitor against the real kernel: containers from a busybox layer, checked from inside.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import {
  encodeContainerSpec, encodeExecSpec, monitorPath, pidfdOpen, pidfdSendSignal, readExitRecord, readStartError,
  startMonitor, waitPid, type ContainerSpec, type ExitRecord, type StartedMonitor,
} from "../../src/runtime/native.js";
import { makeBusyboxRootfs, type BusyboxRootfs } from "./fixtures/busybox-rootfs.js";

const DOCKER_DEFAULT_CAP_MASK = "00000000a80425fb";
const FRAME = { stdin: 0, stdout: 1, stderr: 2, closeStdin: 3, resize: 4, start: 5, started: 6 } as const;

interface Sandbox {
  root: string;
  state: string;
  upper: string;
  spec(overrides: Partial<ContainerSpec> & { argv: string[] }): ContainerSpec;
}

let layer: BusyboxRootfs;
let sandbox: Sandbox;
const monitors: number[] = [];

function makeSandbox(): Sandbox {
  const root = mkdtempSync(join(tmpdir(), "berth-mon-"));
  for (const sub of ["upper", "work", "merged", "state"]) mkdirSync(join(root, sub));
  return {
    root,
    state: join(root, "state"),
    upper: join(root, "upper"),
    spec: (overrides) => ({
      lower: [layer.dir], upper: join(root, "upper"), work: join(root, "work"), rootfs: join(root, "merged"),
      env: ["PATH=/bin"], hostname: "box1", ...overrides,
    }),
  };
}

async function start(spec: ContainerSpec, dir = sandbox.state): Promise<StartedMonitor> {
  writeFileSync(join(dir, "spec"), encodeContainerSpec(spec));
  const started = await startMonitor(dir);
  monitors.push(started.monitorPid);
  return started;
}

/** Waits for the monitor to finish: then the exit file is complete. */
async function finished(started: StartedMonitor, dir = sandbox.state): Promise<ExitRecord> {
  await waitPid(started.monitorPid).catch((err) => assert.equal(err.code, "ESRCH"));
  const exit = readExitRecord(dir);
  assert.ok(exit, "the monitor wrote no exit file");
  return exit;
}

interface LogEntry { log: string; stream: string; time: string }

function logEntries(): LogEntry[] {
  return readFileSync(join(sandbox.state, "container.log"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

function stdoutOf(entries: LogEntry[]): string {
  return entries.filter((e) => e.stream === "stdout").map((e) => e.log).join("");
}

/** Runs a shell script in a fresh container and returns its stdout as key=value pairs (one per line). */
async function probe(script: string, overrides: Partial<ContainerSpec> = {}): Promise<Map<string, string>> {
  const exit = await finished(await start(sandbox.spec({ argv: ["sh", "-c", script], ...overrides })));
  assert.equal(exit.exitCode, 0, `probe failed: ${JSON.stringify(logEntries())}`);
  const lines = stdoutOf(logEntries()).split("\n").filter((l) => l.includes("="));
  return new Map(lines.map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}

function frame(type: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** Connects to attach.sock and collects output frames until the monitor closes the socket. */
function attach(dir = sandbox.state): Promise<{ socket: Socket; output: Promise<{ type: number; data: string }[]> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(join(dir, "attach.sock"));
    const chunks: Buffer[] = [];
    socket.on("data", (c) => chunks.push(c));
    const output = new Promise<{ type: number; data: string }[]>((done) => socket.on("close", () => {
      const frames = [];
      for (let buf = Buffer.concat(chunks); buf.length >= 8;) {
        const len = buf.readUInt32BE(4);
        frames.push({ type: buf[0]!, data: buf.subarray(8, 8 + len).toString() });
        buf = buf.subarray(8 + len);
      }
      done(frames);
    }));
    socket.once("connect", () => resolve({ socket, output }));
    socket.once("error", reject);
  });
}

function mountsUnder(path: string): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.includes(path));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(" ")[2] !== "Z";
  } catch {
    return false;
  }
}

describe("berth-monitor", function () {
  this.timeout(20000);

  before(() => (layer = makeBusyboxRootfs()));
  after(() => {
    layer.remove();
    assert.equal(existsSync(layer.dir), false);
  });
  beforeEach(() => (sandbox = makeSandbox()));
  afterEach(async () => {
    for (const pid of monitors.splice(0)) {
      if (alive(pid)) process.kill(pid, "SIGKILL");
      await waitPid(pid).catch(() => undefined);
    }
    assert.deepEqual(mountsUnder(sandbox.root), [], "mounts left behind");
    rmSync(sandbox.root, { recursive: true, force: true });
    assert.equal(existsSync(sandbox.root), false);
  });

  it("isolates the container: pid 1, hostname, own processes, loopback only", async () => {
    const seen = await probe(
      'echo "pid=$$"; echo "host=$(hostname)"; echo "procs=$(ls -d /proc/[0-9]* | wc -l)";' +
        'echo "links=$(ip -o link | cut -d: -f2 | tr -d " " | tr "\\n" ,)"; echo "lo=$(ip -o link show lo | grep -c UP)"',
    );
    assert.equal(seen.get("pid"), "1");
    assert.equal(seen.get("host"), "box1");
    // sh itself plus the short-lived helpers of each command substitution; the host has hundreds.
    assert.ok(Number(seen.get("procs")) <= 4, `sees ${seen.get("procs")} processes`);
    assert.equal(seen.get("links"), "lo,");
    assert.equal(seen.get("lo"), "1");
  });

  it("applies Docker's masked and read-only paths, a minimal /dev, default caps and no_new_privs", async () => {
    const seen = await probe(
      'echo "keys=$(cat /proc/keys | wc -c)"; echo "timer_list=$(cat /proc/timer_list | wc -c)";' +
        'echo "firmware=$(ls -A /sys/firmware | wc -l)"; echo "acpi=$(ls -A /proc/acpi | wc -l)";' +
        'echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null && echo procsys=writable || echo procsys=readonly;' +
        'touch /sys/berth 2>/dev/null && echo sys=writable || echo sys=readonly;' +
        'echo "dev=$(ls /dev | tr "\\n" " ")"; grep -E "^(CapEff|CapBnd|CapInh|NoNewPrivs)" /proc/self/status | tr -d "\\t" | tr : =',
      { noNewPrivs: true },
    );
    assert.equal(seen.get("keys"), "0");
    assert.equal(seen.get("timer_list"), "0");
    assert.equal(seen.get("firmware"), "0");
    assert.equal(seen.get("acpi"), "0");
    assert.equal(seen.get("procsys"), "readonly");
    assert.equal(seen.get("sys"), "readonly");
    assert.equal(seen.get("dev"), "core fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero ");
    assert.equal(seen.get("CapEff"), DOCKER_DEFAULT_CAP_MASK);
    assert.equal(seen.get("CapBnd"), DOCKER_DEFAULT_CAP_MASK);
    assert.equal(seen.get("CapInh"), "0000000000000000");
    assert.equal(seen.get("NoNewPrivs"), "1");
  });

  it("runs as the given uid/gid/groups with an empty effective set, and caps rlimits at the host's hard limit", async () => {
    const seen = await probe('echo "id=$(id -u):$(id -g):$(id -G)"; grep CapEff /proc/self/status | tr -d "\\t" | tr : =;' +
      'echo "nofile=$(ulimit -n):$(ulimit -Hn)"', {
      uid: 1000, gid: 1000, groups: [1000, 27], rlimits: [{ name: "nofile", soft: 512, hard: 1e9 }],
    });
    assert.equal(seen.get("id"), "1000:1000:1000 27");
    assert.equal(seen.get("CapEff"), "0000000000000000");
    const hostHard = readFileSync("/proc/self/limits", "utf8").match(/Max open files\s+\d+\s+(\d+)/)![1];
    assert.equal(seen.get("nofile"), `512:${hostHard}`);
  });

  it("writes land in the upper dir; a read-only rootfs refuses them with EROFS", async () => {
    await probe("echo data > /written && echo ok=1");
    assert.equal(readFileSync(join(sandbox.upper, "written"), "utf8"), "data\n");

    rmSync(join(sandbox.root, "state/container.log"));
    const seen = await probe('touch /nope 2>&1 | sed "s/^/err=/"; echo "tmp=$(touch /dev/shm/ok && echo ok)"', {
      readonlyRootfs: true,
    });
    assert.match(seen.get("err")!, /Read-only file system/);
    assert.equal(seen.get("tmp"), "ok");
    assert.equal(existsSync(join(sandbox.upper, "nope")), false);
  });

  it("binds host paths and tmpfs inside the root, even through a symlink that points outside", async () => {
    const volume = join(sandbox.root, "volume");
    mkdirSync(volume);
    writeFileSync(join(volume, "file"), "from host");
    // An image symlink to "/" must resolve to the container's root, never the host's.
    const hostTarget = `/berth-escape-${process.pid}`;
    symlinkSync("/", join(sandbox.upper, "escape"));
    const seen = await probe('echo "vol=$(cat /data/file)"; echo "ro=$(touch /data/x 2>&1 | grep -c Read-only)";' +
      `echo "via=$(cat ${hostTarget}/file)"; echo "tmpfs=$(grep " /scratch " /proc/mounts | cut -d" " -f3)"`, {
      mounts: [
        { kind: "bind", source: volume, target: "/data", options: ["ro"] },
        { kind: "bind", source: volume, target: `/escape${hostTarget}` },
        { kind: "tmpfs", target: "/scratch", options: ["size=1m", "noexec"] },
      ],
    });
    assert.equal(seen.get("vol"), "from host");
    assert.equal(seen.get("ro"), "1");
    assert.equal(seen.get("via"), "from host");
    assert.equal(seen.get("tmpfs"), "tmpfs");
    assert.equal(existsSync(hostTarget), false, "a mount point was created outside the rootfs");
    assert.ok(existsSync(join(sandbox.upper, hostTarget)));
    assert.ok(existsSync(join(sandbox.upper, "data")), "the mount point was created in the upper dir");
  });

  it("logs stdout and stderr in Docker's json-file format and records the exit code", async () => {
    const exit = await finished(await start(sandbox.spec({ argv: ["sh", "-c", 'echo out; echo err >&2; printf "no newline \\"q\\""; exit 3'] })));
    assert.equal(exit.exitCode, 3);
    assert.equal(exit.signal, 0);
    assert.equal(exit.oomKilled, false);
    assert.match(exit.finishedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    const entries = logEntries();
    assert.deepEqual(entries.map((e) => [e.stream, e.log]).sort(), [
      ["stderr", "err\n"], ["stdout", "no newline \"q\""], ["stdout", "out\n"],
    ]);
    for (const e of entries) assert.match(e.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    const raw = readFileSync(join(sandbox.state, "container.log"), "utf8");
    assert.match(raw, /^\{"log":"out\\n","stream":"stdout","time":"[^"]+"\}$/m);
  });

  it("records a kill by signal as 128+signal", async () => {
    const started = await start(sandbox.spec({ argv: ["sleep", "30"] }));
    assert.ok(alive(started.pid));
    const fd = pidfdOpen(started.pid);
    pidfdSendSignal(fd, 9);
    const exit = await finished(started);
    assert.deepEqual([exit.exitCode, exit.signal], [137, 9]);
    assert.equal(existsSync(join(sandbox.state, "attach.sock")), false, "attach.sock removed at exit");
  });

  it("keeps the container running after the process that started the monitor exits", async () => {
    writeFileSync(join(sandbox.state, "spec"), encodeContainerSpec(sandbox.spec({ argv: ["sleep", "30"] })));
    // A separate node process starts the monitor detached, prints its report and exits at once.
    const launcher = spawn(process.execPath, ["-e", `
      const { spawn } = require("node:child_process");
      const m = spawn(${JSON.stringify(monitorPath())}, [${JSON.stringify(sandbox.state)}], { detached: true, stdio: ["ignore", "pipe", "ignore"] });
      m.stdout.on("data", (d) => process.stdout.write(m.pid + " " + d));
      m.stdout.on("end", () => process.exit(0));`], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    launcher.stdout.on("data", (d) => (out += d));
    await new Promise((r) => launcher.once("exit", r));
    const [monitorPid, ok, pid] = out.trim().split(" ");
    assert.equal(ok, "ok");
    monitors.push(Number(monitorPid));
    assert.ok(!alive(launcher.pid!), "launcher exited");
    assert.ok(alive(Number(monitorPid)) && alive(Number(pid)), "monitor and container outlive the launcher");
    assert.equal(readFileSync(join(sandbox.state, "pid"), "utf8"), `${pid}\n`);
    process.kill(Number(pid), "SIGKILL");
    const exit = await finished({ monitorPid: Number(monitorPid), pid: Number(pid) });
    assert.equal(exit.exitCode, 137);
  });

  it("attach: held until start, streams output and forwards stdin", async () => {
    const started = await start(sandbox.spec({ argv: ["sh", "-c", "echo ready; cat; echo done >&2"], openStdin: true, hold: true }));
    const { socket, output } = await attach();
    socket.write(frame(FRAME.start));
    socket.write(frame(FRAME.stdin, Buffer.from("hello\n")));
    socket.write(frame(FRAME.closeStdin));
    const frames = await output;
    const text = (type: number) => frames.filter((f) => f.type === type).map((f) => f.data).join("");
    assert.equal(text(FRAME.stdout), "ready\nhello\n");
    assert.equal(text(FRAME.stderr), "done\n");
    assert.deepEqual(frames.filter((f) => f.type === FRAME.started).map((f) => f.data), [""], "the starter learns that execve succeeded");
    assert.equal((await finished(started)).exitCode, 0);
  });

  it("held: an execve that fails after the start frame is answered with its message and recorded", async () => {
    // Found and executable, so the start reports the process ready; only execve itself can tell it is no program.
    writeFileSync(join(sandbox.upper, "notelf"), "\x7fELF, but not really\n", { mode: 0o755 });
    const started = await start(sandbox.spec({ argv: ["/notelf"], hold: true }));
    const { socket, output } = await attach();
    socket.write(frame(FRAME.start));
    const frames = await output;
    const message = 'exec: "/notelf": Exec format error';
    assert.deepEqual(frames.filter((f) => f.type === FRAME.started).map((f) => f.data), [message]);
    assert.deepEqual(readStartError(sandbox.state), { step: "exec", errno: 8, message });
    assert.equal((await finished(started)).exitCode, 127);
  });

  it("held: a process whose monitor is killed before the start frame ends at its gate instead of waiting forever", async () => {
    const started = await start(sandbox.spec({ argv: ["true"], hold: true }));
    assert.ok(alive(started.pid), "held at its gate");
    process.kill(started.monitorPid, "SIGKILL");
    for (let i = 0; i < 100 && alive(started.pid); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(!alive(started.pid), "the held process is gone");
  });

  it("TTY: the container's own /dev/pts, resize, input and output", async () => {
    const started = await start(sandbox.spec({
      argv: ["sh", "-c", 'read line; echo "tty=$(tty) size=$(stty size) got=$line"; ls /dev/console'],
      tty: true, openStdin: true, hold: true,
    }));
    const { socket, output } = await attach();
    const size = Buffer.alloc(4);
    size.writeUInt16BE(30, 0);
    size.writeUInt16BE(100, 2);
    socket.write(frame(FRAME.resize, size));
    socket.write(frame(FRAME.start));
    socket.write(frame(FRAME.stdin, Buffer.from("typed\r")));
    const frames = (await output).filter((f) => f.type !== FRAME.started);
    assert.ok(frames.every((f) => f.type === FRAME.stdout), "a TTY has a single stream");
    const text = frames.map((f) => f.data).join("");
    assert.match(text, /tty=\/dev\/pts\/0 size=30 100 got=typed/);
    assert.match(text, /\/dev\/console/);
    assert.equal((await finished(started)).exitCode, 0);
  });

  it("exec joins the container's namespaces and records its own exit", async () => {
    const container = await start(sandbox.spec({ argv: ["sleep", "30"], hostname: "target" }));
    const execDir = join(sandbox.root, "exec1");
    mkdirSync(execDir);
    writeFileSync(join(execDir, "spec"), encodeExecSpec({
      joinPid: container.pid, env: ["PATH=/bin"], hold: true,
      argv: ["sh", "-c", 'echo "host=$(hostname) sleep=$(pidof sleep) self=$$"; grep CapEff /proc/self/status; exit 7'],
    }));
    const exec = await startMonitor(execDir, "exec");
    monitors.push(exec.monitorPid);
    const { socket, output } = await attach(execDir);
    socket.write(frame(FRAME.start));
    const text = (await output).map((f) => f.data).join("");
    assert.match(text, /host=target sleep=1 self=\d+/);
    assert.notEqual(text.match(/self=(\d+)/)![1], "1");
    assert.match(text, /CapEff:\s+00000000a80425fb/);
    assert.equal((await finished(exec, execDir)).exitCode, 7);
    assert.ok(alive(container.pid), "the container keeps running after the exec ends");
    process.kill(container.pid, "SIGKILL");
    await finished(container);
  });

  it("init mode: a minimal pid 1 runs the command, forwards signals and reaps", async () => {
    const started = await start(sandbox.spec({
      argv: ["sh", "-c", 'echo "self=$$ init=$(cat /proc/1/cmdline | tr "\\0" " ")"; trap "exit 42" TERM; while :; do sleep 0.05; done'],
      init: true,
    }));
    await new Promise((r) => setTimeout(r, 300));
    process.kill(started.pid, "SIGTERM");
    const exit = await finished(started);
    assert.equal(exit.exitCode, 42);
    const out = stdoutOf(logEntries());
    assert.match(out, /self=2 init=\/dev\/init --init \/bin\/sh -- sh -c/);
  });

  it("init mode: a SIGTERM sent as soon as the start answers is not lost, and the command runs with no signal blocked", async () => {
    for (let i = 0; i < 3; i++) {
      const started = await start(sandbox.spec({ argv: ["sleep", "60"], init: true }));
      process.kill(started.pid, "SIGTERM");
      assert.equal((await finished(started)).exitCode, 128 + 15, "sleep ended by the SIGTERM init forwarded");
    }
    await finished(await start(sandbox.spec({ argv: ["grep", "SigBlk", "/proc/self/status"], init: true })));
    assert.match(stdoutOf(logEntries()), /^SigBlk:\s+0000000000000000\n$/);
  });

  it("joins the cgroups it is given, and sees its own cgroup as / (cgroup namespace)", async () => {
    const own = readFileSync("/proc/self/cgroup", "utf8").match(/^\d+:pids:(.*)$/m);
    assert.ok(own, "this test needs the cgroup v1 pids controller");
    const cgroup = join("/sys/fs/cgroup/pids", own[1]!, `berth-test-${process.pid}`);
    mkdirSync(cgroup);
    try {
      writeFileSync(join(cgroup, "pids.max"), "5");
      // The shell stops with "can't fork" once pids.max is reached; the exit code does not matter here.
      await finished(await start(sandbox.spec({
        argv: ["sh", "-c", 'grep :pids: /proc/self/cgroup; for i in 1 2 3 4 5 6; do sleep 1 & done'],
        cgroups: [join(cgroup, "cgroup.procs")],
      })));
      assert.match(stdoutOf(logEntries()), /^\d+:pids:\/\n/);
      assert.equal(Number(readFileSync(join(cgroup, "pids.events"), "utf8").match(/max (\d+)/)![1]) > 0, true, "pids.max was enforced");
    } finally {
      await new Promise((r) => setTimeout(r, 50));
      rmdirSync(cgroup);
      assert.equal(existsSync(cgroup), false);
    }
  });

  it("reports a missing command in Docker's words and leaves an error file", async () => {
    await assert.rejects(start(sandbox.spec({ argv: ["nosuchcmd"] })), {
      message: 'exec: "nosuchcmd": executable file not found in $PATH',
    });
    assert.deepEqual(readStartError(sandbox.state), {
      step: "exec", errno: 2, message: 'exec: "nosuchcmd": executable file not found in $PATH',
    });
    assert.equal(existsSync(join(sandbox.state, "pid")), false);
  });

  it("rejects a bad spec with a precise message", async () => {
    writeFileSync(join(sandbox.state, "spec"), "version=1\0arg=true\0bogus=1\0");
    await assert.rejects(startMonitor(sandbox.state), { message: 'spec: unknown key "bogus"' });
  });
});
