// The real docker CLI (28.2) running containers on an isolated berthd: load, run (attached, --rm, -d),
// logs, exec (also with a pseudo-terminal), ps with label filters, inspect, top, stop, wait, rm.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { useDockerCli } from "./docker-cli.js";

describe("docker CLI runs containers on berthd (e2e)", function () {
  this.timeout(60_000);
  const { docker, ok, dir, env } = useDockerCli();

  it("docker run --rm berth/host echo hi: output attached, container gone afterwards", () => {
    assert.equal(ok("run", "--rm", "berth/host", "echo", "hi"), "hi\n");
    assert.equal(ok("ps", "-aq"), "");
  });

  it("docker run -i passes stdin through; create, cp in, start -a, cp out", () => {
    const piped = spawnSync("docker", ["run", "-i", "--rm", "busybox", "cat"], {
      input: "hello\nworld\n", encoding: "utf8", timeout: 30_000, killSignal: "SIGKILL", env: env(),
    });
    assert.equal(piped.status, 0, piped.stderr);
    assert.equal(piped.stdout, "hello\nworld\n");
    ok("create", "--name", "later", "busybox", "cat", "/tmp/copied");
    writeFileSync(join(dir(), "copied"), "copied in\n");
    ok("cp", join(dir(), "copied"), "later:/tmp/copied");
    assert.equal(ok("start", "-a", "later"), "copied in\n");
    ok("cp", "later:/tmp/copied", join(dir(), "back"));
    assert.equal(readFileSync(join(dir(), "back"), "utf8"), "copied in\n");
    assert.equal(ok("rm", "later"), "later\n");
  });

  it("docker run passes the exit status through and reports a missing command", () => {
    assert.equal(docker("run", "--rm", "busybox", "sh", "-c", "echo to-err >&2; exit 7").status, 7);
    const missing = docker("run", "--rm", "busybox", "no-such-command");
    assert.equal(missing.status, 127);
    assert.match(missing.stderr, /executable file not found in \$PATH/);
  });

  it("docker run -it on a pseudo-terminal gets a TTY of the terminal's size; logs -f follows to the end", () => {
    const pty = spawnSync("script", ["-qec", "stty rows 30 cols 100; docker run --rm -it busybox sh -c 'tty; stty size'", "/dev/null"], {
      encoding: "utf8", timeout: 30_000, killSignal: "SIGKILL", env: env(),
    });
    assert.equal(pty.status, 0, pty.stdout + pty.stderr);
    assert.match(pty.stdout, /\/dev\/pts\/0\r?\n30 100\r?\n/);
    ok("run", "-d", "--name", "ticker", "busybox", "sh", "-c", "for i in 1 2 3; do echo tick$i; sleep 0.2; done");
    assert.equal(ok("logs", "-f", "ticker"), "tick1\ntick2\ntick3\n");
    assert.equal(ok("rm", "ticker"), "ticker\n");
  });

  it("runs detached; logs, exec (plain and -it on a pty), ps --filter label, inspect, top, stop, wait, rm", () => {
    const id = ok("run", "-d", "--name", "web", "--label", "suite=e2e", "busybox", "sh", "-c", "echo started; exec sleep 300").trim();
    assert.match(id, /^[a-f0-9]{64}$/);
    assert.equal(ok("ps", "-a", "--filter", "label=suite=e2e", "--format", "{{.Names}} {{.State}} {{.Image}}"), "web running busybox\n");
    assert.equal(ok("ps", "-a", "--filter", "label=suite=other", "-q"), "");
    assert.equal(ok("logs", "web"), "started\n");
    assert.equal(ok("exec", "web", "sh", "-c", "echo $((1 + 2))"), "3\n");
    assert.equal(docker("exec", "web", "sh", "-c", "exit 9").status, 9);
    const pty = spawnSync("script", ["-qec", "docker exec -it web sh -c 'tty; stty size'", "/dev/null"], { encoding: "utf8", timeout: 30_000, killSignal: "SIGKILL", env: env() });
    assert.equal(pty.status, 0, pty.stdout + pty.stderr);
    assert.match(pty.stdout, /\/dev\/pts\/0\r?\n/);
    assert.equal(ok("inspect", "web", "--format", "{{.State.Running}} {{.Name}} {{.Config.Labels.suite}}"), "true /web e2e\n");
    const top = ok("top", "web");
    assert.match(top, /^UID\s+PID\s+PPID/);
    assert.match(top, /sleep 300/);
    assert.equal(ok("stop", "-t", "1", "web"), "web\n");
    assert.equal(ok("wait", "web"), "137\n");
    assert.equal(ok("ps", "-a", "--filter", "label=suite=e2e", "--format", "{{.Status}}").replace(/\d+ seconds?|Less than a second/, "N"), "Exited (137) N ago\n");
    assert.equal(ok("rm", "web"), "web\n");
    assert.equal(ok("ps", "-aq"), "");
  });

  it("docker run -v name:/data, -v /host:/data:ro, --tmpfs /t:size=1m, --mount type=volume; volume rm in use; rm -v", () => {
    ok("run", "--rm", "-v", "notes:/data", "berth/host", "sh", "-c", "echo kept > /data/note");
    assert.equal(ok("run", "--rm", "--mount", "type=volume,src=notes,dst=/d", "berth/host", "cat", "/d/note"), "kept\n");
    assert.equal(ok("volume", "ls", "--format", "{{.Name}}"), "notes\n", "--rm removes no named volume");

    const host = mkdtempSync(join(tmpdir(), "berth-e2e-bind-"));
    try {
      writeFileSync(join(host, "in"), "from host\n");
      const ro = docker("run", "--rm", "-v", `${host}:/data:ro`, "berth/host", "sh", "-c", "cat /data/in; touch /data/x");
      assert.equal(ro.stdout, "from host\n");
      assert.match(ro.stderr, /touch: cannot touch '\/data\/x': Read-only file system/);
      assert.equal(ro.status, 1);
    } finally {
      rmSync(host, { recursive: true, force: true });
    }
    const full = docker("run", "--rm", "--tmpfs", "/t:size=1m", "berth/host", "dd", "if=/dev/zero", "of=/t/f", "bs=64k", "count=32");
    assert.equal(full.status, 1);
    assert.match(full.stderr, /No space left on device/);

    ok("run", "-d", "--name", "holder", "-v", "notes:/data", "-v", "/anon", "busybox", "sleep", "300");
    const inUse = docker("volume", "rm", "notes");
    assert.equal(inUse.status, 1);
    assert.match(inUse.stderr, /volume is in use/);
    const anonymous = ok("inspect", "holder", "--format", "{{range .Mounts}}{{if eq .Destination \"/anon\"}}{{.Name}}{{end}}{{end}}").trim();
    assert.match(anonymous, /^[0-9a-f]{64}$/);
    ok("rm", "-f", "-v", "holder");
    assert.equal(ok("volume", "ls", "-q"), "notes\n", "rm -v took the anonymous volume, not the named one");
    assert.equal(ok("volume", "rm", "notes"), "notes\n");
  });
});
