// Layer unpacking on a real filesystem, as root: what each tar entry kind becomes, and that whiteouts do
// what overlayfs expects when two layers are really mounted.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { lstatSync, mkdirSync, readFileSync, readlinkSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { lgetxattr } from "../../../src/runtime/native.js";
import { unpackLayer } from "../../../src/runtime/image/unpack.js";
import { makeTar, mountsUnder, tempDir, type TarItem } from "./tars.js";

const MTIME = new Date("2021-02-03T04:05:06Z");

async function unpackInto(dir: string, items: TarItem[] | Buffer): Promise<string> {
  mkdirSync(dir);
  const tar = Buffer.isBuffer(items) ? items : await makeTar(items);
  await unpackLayer(Readable.from([tar]), dir, "test");
  return dir;
}

describe("unpackLayer", function () {
  let base: ReturnType<typeof tempDir>;
  beforeEach(() => (base = tempDir("unpack")));
  afterEach(() => base.cleanup());

  it("writes files, directories and symlinks with their modes, owners and mtimes", async function () {
    const dir = await unpackInto(join(base.path, "layer"), [
      { name: "./", type: "directory", mode: 0o755, mtime: MTIME },
      { name: "usr/", type: "directory", mode: 0o750, uid: 1234, gid: 5678, mtime: MTIME },
      { name: "usr/bin/", type: "directory", mtime: MTIME },
      { name: "usr/bin/su", content: "#!/bin/true\n", mode: 0o4755, uid: 0, gid: 0, mtime: MTIME },
      { name: "usr/bin/wall", content: "w", mode: 0o2755, uid: 0, gid: 5, mtime: MTIME },
      { name: "usr/bin/owned", content: "o", mode: 0o640, uid: 1000, gid: 1001, mtime: MTIME },
      { name: "usr/bin/sh", type: "symlink", linkname: "/usr/bin/busybox", uid: 7, gid: 8, mtime: MTIME },
      { name: "tmp/", type: "directory", mode: 0o1777, mtime: MTIME },
    ]);
    const su = lstatSync(join(dir, "usr/bin/su"));
    assert.equal(su.mode & 0o7777, 0o4755, "setuid bit survives chown");
    assert.equal(readFileSync(join(dir, "usr/bin/su"), "utf8"), "#!/bin/true\n");
    assert.equal(lstatSync(join(dir, "usr/bin/wall")).mode & 0o7777, 0o2755);
    const owned = lstatSync(join(dir, "usr/bin/owned"));
    assert.deepEqual([owned.uid, owned.gid, owned.mode & 0o7777], [1000, 1001, 0o640]);
    const usr = lstatSync(join(dir, "usr"));
    assert.deepEqual([usr.uid, usr.gid, usr.mode & 0o7777], [1234, 5678, 0o750]);
    assert.equal(lstatSync(join(dir, "tmp")).mode & 0o7777, 0o1777);
    // Directory times are set after their children were created, so they are the tar's.
    for (const path of ["", "usr", "usr/bin", "usr/bin/su", "tmp"]) assert.equal(lstatSync(join(dir, path)).mtime.getTime(), MTIME.getTime(), path);
    const sh = lstatSync(join(dir, "usr/bin/sh"));
    assert.ok(sh.isSymbolicLink());
    assert.equal(readlinkSync(join(dir, "usr/bin/sh")), "/usr/bin/busybox");
    assert.deepEqual([sh.uid, sh.gid, sh.mtime.getTime()], [7, 8, MTIME.getTime()]);
  });

  it("creates implicit parent directories 0755 and lets later entries replace earlier ones", async function () {
    const dir = await unpackInto(join(base.path, "layer"), [
      { name: "a/b/c/file", content: "first" },
      { name: "a/b/c/file", content: "second" },
      { name: "a/b/c/", type: "directory", mode: 0o700 },
      { name: "x", type: "symlink", linkname: "nowhere" },
      { name: "x/", type: "directory" },
    ]);
    assert.equal(lstatSync(join(dir, "a/b")).mode & 0o7777, 0o755);
    assert.equal(lstatSync(join(dir, "a/b/c")).mode & 0o7777, 0o700, "a directory over a directory keeps its content and takes the new mode");
    assert.equal(readFileSync(join(dir, "a/b/c/file"), "utf8"), "second");
    assert.ok(lstatSync(join(dir, "x")).isDirectory());
  });

  it("makes hard links share the file", async function () {
    const dir = await unpackInto(join(base.path, "layer"), [
      { name: "bin/busybox", content: "binary", mode: 0o755 },
      { name: "bin/ls", type: "link", linkname: "bin/busybox" },
      { name: "./sbin/init", type: "link", linkname: "./bin/busybox" },
    ]);
    const original = lstatSync(join(dir, "bin/busybox"));
    assert.equal(original.nlink, 3);
    assert.equal(lstatSync(join(dir, "bin/ls")).ino, original.ino);
    assert.equal(lstatSync(join(dir, "sbin/init")).ino, original.ino);
  });

  it("applies pax and GNU long names and pax owners", async function () {
    const longDir = `${"d".repeat(90)}/${"e".repeat(90)}`;
    const paxDir = await unpackInto(join(base.path, "pax"), [
      { name: `${longDir}/${"f".repeat(120)}`, content: "long" },
      { name: "big-ids", content: "x", pax: { uid: "3000000", gid: "3000001", mtime: "1612325106.5" } },
    ]);
    assert.equal(readFileSync(join(paxDir, longDir, "f".repeat(120)), "utf8"), "long");
    const big = lstatSync(join(paxDir, "big-ids"));
    assert.deepEqual([big.uid, big.gid, big.mtimeMs], [3000000, 3000001, 1612325106500]);

    // GNU tar writes ././@LongLink entries for names over 100 bytes.
    const source = join(base.path, "gnu-src");
    mkdirSync(join(source, longDir), { recursive: true });
    writeFileSync(join(source, longDir, "g".repeat(150)), "gnu");
    const gnuTar = execFileSync("tar", ["--format=gnu", "-C", source, "-cf", "-", "."]);
    assert.ok(gnuTar.includes("././@LongLink"), "the test tar really uses GNU long names");
    const gnuDir = await unpackInto(join(base.path, "gnu"), gnuTar);
    assert.equal(readFileSync(join(gnuDir, longDir, "g".repeat(150)), "utf8"), "gnu");
  });

  it("makes fifos and skips device nodes", async function () {
    const dir = await unpackInto(join(base.path, "layer"), [
      { name: "run/pipe", type: "fifo", mode: 0o620 },
      { name: "dev/null", type: "character-device", devmajor: 1, devminor: 3 },
      { name: "dev/sda", type: "block-device", devmajor: 8, devminor: 0 },
    ]);
    const pipe = lstatSync(join(dir, "run/pipe"));
    assert.ok(pipe.isFIFO());
    assert.equal(pipe.mode & 0o777, 0o620);
    assert.deepEqual(readdirSync(join(dir, "dev")), []);
  });

  it("turns .wh. files into overlay whiteouts and .wh..wh..opq into opaque directories", async function () {
    const dir = await unpackInto(join(base.path, "layer"), [
      { name: "etc/.wh.motd", content: "" },
      { name: "var/cache/", type: "directory" },
      { name: "var/cache/.wh..wh..opq", content: "" },
      { name: "var/cache/new", content: "n" },
      { name: ".wh..wh.plnk/", type: "directory" },
    ]);
    const whiteout = lstatSync(join(dir, "etc/motd"));
    assert.ok(whiteout.isCharacterDevice());
    assert.equal(whiteout.rdev, 0);
    assert.deepEqual(readdirSync(join(dir, "etc")), ["motd"], "the .wh. file itself is not written");
    assert.equal(lgetxattr(join(dir, "var/cache"), "trusted.overlay.opaque").toString(), "y");
    assert.deepEqual(readdirSync(join(dir, "var/cache")), ["new"]);
    assert.ok(!readdirSync(dir).includes(".wh..wh.plnk"), "aufs metadata is dropped");
  });

  it("gives overlayfs the merged view Docker gives", async function () {
    const lower = await unpackInto(join(base.path, "lower"), [
      { name: "a/keep", content: "k" },
      { name: "a/gone", content: "g" },
      { name: "o/old1", content: "1" },
      { name: "o/old2", content: "2" },
    ]);
    const upper = await unpackInto(join(base.path, "upper"), [
      { name: "a/.wh.gone", content: "" },
      { name: "o/", type: "directory" },
      { name: "o/.wh..wh..opq", content: "" },
      { name: "o/new", content: "n" },
    ]);
    const merged = join(base.path, "merged");
    mkdirSync(merged);
    // A private mount namespace: the mount dies with the child even if the test fails midway.
    const listing = execFileSync("unshare", [
      "--mount",
      "--propagation",
      "private",
      "sh",
      "-c",
      `mount -t overlay overlay -o lowerdir=${upper}:${lower} ${merged} && ls ${merged}/a && echo -- && ls ${merged}/o`,
    ]).toString();
    assert.equal(listing, "keep\n--\nnew\n");
    assert.deepEqual(mountsUnder(base.path), [], "no mount is left in the host's namespace");
  });
});
