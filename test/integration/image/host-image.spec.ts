// berth/host:latest: the host's /usr bound read-only under a small generated root, and nothing else of the host.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, renameSync, statSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { hostImage, hostImageKey } from "../../../src/runtime/image/host-image.js";
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

  it("is built once: reopening a store on the same host rewrites nothing; a stale key rebuilds the same image", async function () {
    const root = join(dir.path, "root");
    const id = (await ImageStore.open(root)).get("berth/host").id;
    const index = join(root, "images", "index.json");
    const written = statSync(index).mtimeMs;
    assert.deepEqual(JSON.parse(readFileSync(join(root, "images", "host.json"), "utf8")), { key: await hostImageKey(), id });
    assert.equal((await ImageStore.open(root)).get("berth/host").id, id);
    assert.equal(statSync(index).mtimeMs, written, "the index was not written again");
    writeFileSync(join(root, "images", "host.json"), JSON.stringify({ key: "stale", id }));
    assert.equal((await ImageStore.open(root)).get("berth/host").id, id, "same content, same id");
    assert.notEqual(statSync(index).mtimeMs, written, "rebuilt");
    assert.equal(JSON.parse(readFileSync(join(root, "images", "host.json"), "utf8")).key, await hostImageKey());
  });

  it("drops a berth/host of an earlier start once no container uses it, after the containers are open", async function () {
    const root = join(dir.path, "root");
    await ImageStore.open(root);
    const indexPath = join(root, "images", "index.json");
    const index = JSON.parse(readFileSync(indexPath, "utf8")) as { images: { id: string; repoTags: string[] }[] };
    const earlier = `sha256:${"0".repeat(64)}`;
    index.images.push({ ...index.images[0]!, id: earlier, repoTags: [] });
    writeFileSync(indexPath, JSON.stringify(index));
    let containersOpened!: () => void;
    const containersOpen = new Promise<void>((resolve) => (containersOpened = resolve));
    let open = false;
    const containersUsing = (id: string) => {
      if (!open) throw new Error("asked before the containers were open");
      return id === earlier ? 1 : 0;
    };
    const opening = ImageStore.open(root, { containersUsing, containersOpen });
    await sleep(200); // time enough for the store to get as far as it can without the containers
    open = true;
    containersOpened();
    assert.equal((await opening).get(earlier).id, earlier, "kept while a container uses it");
    await ImageStore.open(root, { containersUsing: () => 0 });
    assert.ok(!readFileSync(indexPath, "utf8").includes(earlier), "gone once unused");
  });

  it("has a key that changes whenever what the image is made of changes, and only then", async function () {
    const host = join(dir.path, "fakehost");
    const certs = join(host, "etc/ssl/certs");
    mkdirSync(join(host, "usr/bin"), { recursive: true });
    mkdirSync(join(certs, "sub"), { recursive: true });
    symlinkSync("usr/bin", join(host, "bin"));
    writeFileSync(join(certs, "bundle.crt"), "one");
    symlinkSync("/usr/share/ca-certificates/a.crt", join(certs, "a.pem"));
    const keys = [await hostImageKey(host)];
    const ids = [(await hostImage(host)).config.toString()];
    const changed = async (what: string) => {
      const key = await hostImageKey(host);
      assert.ok(!keys.includes(key), `${what} changes the key`);
      keys.push(key);
      ids.push((await hostImage(host)).config.toString());
    };
    assert.equal(await hostImageKey(host), keys[0], "the same host, the same key");
    symlinkSync("a.pem", join(certs, "1234abcd.0"));
    await changed("a link added");
    unlinkSync(join(certs, "a.pem"));
    symlinkSync("/usr/share/ca-certificates/b.crt", join(certs, "a.pem"));
    await changed("a link replaced");
    writeFileSync(join(certs, "bundle.crt"), "two");
    await changed("a file rewritten in place");
    writeFileSync(join(certs, "sub", "x.pem"), "x");
    await changed("a file added in a subdirectory");
    renameSync(join(host, "bin"), join(host, "bin.old"));
    symlinkSync("usr/sbin", join(host, "bin"));
    await changed("a merged-/usr link retargeted");
    assert.equal(new Set(ids).size, ids.length, "and each of those changes the image");
  });
});
