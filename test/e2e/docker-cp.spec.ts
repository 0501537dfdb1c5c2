// The real docker CLI's `docker cp` against berthd: into and out of a RUNNING container (rootfs and a named
// volume), into a volume of a stopped one, and through symlinks to / and ../../.. that must mean the
// container's root, never the host's.
// (--network none: these tests are about files, not networking.)
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { useDockerCli } from "./docker-cli.js";

describe("docker cp against berthd (e2e)", function () {
  this.timeout(60_000);
  const { ok, dir } = useDockerCli();

  it("copies into and out of a running container, its rootfs and a named volume", () => {
    ok("run", "-d", "--network", "none", "--name", "live", "-v", "cp-data:/data", "busybox", "sleep", "600");
    writeFileSync(join(dir(), "note"), "copied while running\n");
    ok("cp", join(dir(), "note"), "live:/tmp/note");
    ok("cp", join(dir(), "note"), "live:/data/");
    assert.equal(ok("exec", "live", "cat", "/tmp/note", "/data/note"), "copied while running\ncopied while running\n");
    ok("exec", "live", "sh", "-c", "mkdir -p /out/sub && echo made inside > /out/sub/f");
    ok("cp", "live:/out", join(dir(), "out"));
    assert.equal(readFileSync(join(dir(), "out/sub/f"), "utf8"), "made inside\n");
    ok("rm", "-f", "live");
    ok("volume", "rm", "cp-data");
  });

  it("copies into a volume path of a stopped container", () => {
    ok("create", "--network", "none", "--name", "later", "-v", "cp-later:/data", "busybox", "cat", "/data/seed");
    writeFileSync(join(dir(), "seed"), "seeded before start\n");
    ok("cp", join(dir(), "seed"), "later:/data/seed");
    assert.equal(ok("start", "-a", "later"), "seeded before start\n");
    ok("rm", "later");
    ok("volume", "rm", "cp-later");
  });

  it("never reaches the host through symlinks in the container", () => {
    const probe = `berth-cp-escape-${process.pid}`;
    ok("run", "-d", "--network", "none", "--name", "links", "busybox", "sh", "-c", "ln -s / /esc; mkdir -p /a/b; ln -s ../../../.. /a/b/up; echo inside > /etc/marker; touch /tmp/ready; exec sleep 600");
    ok("exec", "links", "sh", "-c", "while [ ! -e /tmp/ready ]; do sleep 0.05; done");
    writeFileSync(join(dir(), probe), "must stay in the container\n");
    ok("cp", join(dir(), probe), `links:/esc/tmp/${probe}`);
    ok("cp", join(dir(), probe), `links:/a/b/up/tmp/${probe}-2`);
    assert.equal(existsSync(`/tmp/${probe}`) || existsSync(`/tmp/${probe}-2`), false, "nothing was written on the host");
    assert.equal(ok("exec", "links", "cat", `/tmp/${probe}`, `/tmp/${probe}-2`), "must stay in the container\n".repeat(2));
    ok("cp", "links:/esc/etc/marker", join(dir(), "marker"));
    ok("cp", "links:/a/b/up/etc/passwd", join(dir(), "passwd"));
    assert.equal(readFileSync(join(dir(), "marker"), "utf8"), "inside\n");
    assert.match(readFileSync(join(dir(), "passwd"), "utf8"), /^bob:x:1000:1000:/m, "the container's passwd, not the host's");
    ok("rm", "-f", "links");
  });
});
