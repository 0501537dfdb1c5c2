// berth/host:latest: the host's /usr bound read-only under a small generated root, and nothing else of the host.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { lstatSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { ImageStore } from "../../../src/runtime/image/store.js";
import { mountsUnder, tempDir } from "./tars.js";

describe("berth/host image", function () {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir("host")));
  afterEach(() => dir.cleanup());

  it("is listed with an id that is the same in every store on this host", async function () {
    const first = await ImageStore.open(join(dir.path, "a"));
    const second = await ImageStore.open(join(dir.path, "b"));
    const [summary] = await first.list();
    assert.deepEqual(summary?.RepoTags, ["berth/host:latest"]);
    assert.equal((await second.list())[0]?.Id, summary?.Id);
    const reopened = await ImageStore.open(join(dir.path, "a"));
    assert.deepEqual(await reopened.list(), await first.list(), "reopening neither duplicates nor changes it");
  });

  it("binds the host /usr and generates a minimal root with /etc", async function () {
    const store = await ImageStore.open(join(dir.path, "root"));
    const plan = store.rootfs("berth/host");
    assert.deepEqual(plan.binds, [{ source: "/usr", target: "/usr" }]);
    assert.equal(plan.lowerDirs.length, 1);
    const layer = plan.lowerDirs[0]!;
    const expected = ["bin", "dev", "etc", "home", "lib", "lib64", "proc", "root", "run", "sbin", "sys", "tmp", "usr", "var"];
    assert.deepEqual(readdirSync(layer).sort(), expected.filter((name) => name !== "lib64" || readdirSync("/").includes("lib64")));
    assert.equal(readlinkSync(join(layer, "bin")), readlinkSync("/bin"));
    assert.equal(lstatSync(join(layer, "tmp")).mode & 0o7777, 0o1777);
    assert.equal(lstatSync(join(layer, "root")).mode & 0o7777, 0o700);
    assert.deepEqual(readdirSync(join(layer, "usr")), [], "/usr is a mount point, not a copy");
    const passwd = readFileSync(join(layer, "etc/passwd"), "utf8");
    assert.match(passwd, /^root:x:0:0:/m);
    assert.match(passwd, /^nobody:x:65534:65534:/m);
    assert.match(readFileSync(join(layer, "etc/group"), "utf8"), /^nobody:x:65534:/m);
    assert.deepEqual(readdirSync(join(layer, "etc/ssl/certs")).sort(), readdirSync("/etc/ssl/certs").sort());
    assert.ok(!readdirSync(join(layer, "etc")).includes("shadow"), "nothing else of the host's /etc");
    assert.deepEqual((await store.inspect("berth/host")).Config.Cmd, ["/bin/sh"]);
  });

  it("runs host programs on a read-only /usr when mounted as the runtime will", async function () {
    const store = await ImageStore.open(join(dir.path, "root"));
    const plan = store.rootfs("berth/host");
    const scratch = join(dir.path, "scratch");
    const binds = plan.binds.map((b) => `mount --bind ${b.source} $M${b.target} && mount -o remount,bind,ro $M${b.target}`).join(" && ");
    const script = [
      `mkdir -p ${scratch} && mount -t tmpfs tmpfs ${scratch} && mkdir ${scratch}/upper ${scratch}/work ${scratch}/merged`,
      `M=${scratch}/merged`,
      `mount -t overlay overlay -o lowerdir=${plan.lowerDirs.join(":")},upperdir=${scratch}/upper,workdir=${scratch}/work $M`,
      binds,
      `chroot $M /bin/sh -c 'cat /etc/os-release | head -1; ls /; touch /usr/berth-probe 2>&1 || echo usr-read-only; echo hi > /tmp/x && cat /tmp/x'`,
    ].join(" && ");
    const out = execFileSync("unshare", ["--mount", "--propagation", "private", "sh", "-c", script]).toString();
    assert.match(out, /^NAME="berth host"/);
    assert.match(out, /Read-only file system/);
    assert.match(out, /usr-read-only\nhi\n$/);
    assert.ok(!out.includes("boot") && !out.includes("opt"), "host top-level directories stay invisible");
    assert.deepEqual(mountsUnder(dir.path), []);
  });

  it("cannot be saved or deleted", async function () {
    const store = await ImageStore.open(join(dir.path, "root"));
    await assert.rejects(store.save(["berth/host"], new PassThrough()), /cannot save berth\/host: its layer \/usr is the host's own directory/);
    const id = store.get("berth/host").id;
    await assert.rejects(store.remove("berth/host"), (err) => (err as { kind?: string }).kind === "Conflict" && /built-in image/.test(String(err)));
    assert.equal(store.get("berth/host:latest").id, id);
  });
});
