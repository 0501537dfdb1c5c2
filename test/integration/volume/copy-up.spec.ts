// Copy-up from real unpacked layers (as root: ownership, whiteouts and opaque directories need it): the
// merged view overlayfs would show, copied with owners, modes, times, symlinks and hard links; never a
// byte from outside the layers, never into a volume that has content.
import assert from "node:assert/strict";
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { unpackLayer } from "../../../src/runtime/image/unpack.js";
import { copyUp } from "../../../src/runtime/volume/copy-up.js";
import { makeTar, mountsUnder, tempDir, type TarItem } from "../image/tars.js";

const OLD = new Date("2020-01-02T03:04:05Z");
const NEW = new Date("2022-06-07T08:09:10Z");

/** A tree's entries with type, owner and mode: two equal listings are the same tree. */
function listing(dir: string, prefix = ""): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    const st = lstatSync(path);
    const kind = st.isDirectory() ? "dir" : st.isSymbolicLink() ? `link->${readlinkSync(path)}` : st.isFIFO() ? "fifo" : "file";
    const line = `${prefix}${name} ${kind} ${st.uid}:${st.gid} ${(st.mode & 0o7777).toString(8)}`;
    return st.isDirectory() ? [line, ...listing(path, `${prefix}${name}/`)] : [line];
  });
}

describe("copyUp (integration, real layers)", function () {
  let base: ReturnType<typeof tempDir>;
  let layers: string[];

  async function layer(name: string, items: TarItem[]): Promise<string> {
    const dir = join(base.path, name);
    mkdirSync(dir);
    await unpackLayer(Readable.from([await makeTar(items)]), dir, name);
    return dir;
  }

  function emptyVolume(): string {
    const dir = join(base.path, `volume-${readdirSync(base.path).length}`);
    mkdirSync(dir);
    return dir;
  }

  beforeEach(async () => {
    base = tempDir("copy-up");
    const lower = await layer("lower", [
      { name: "data/", type: "directory", mode: 0o750, uid: 999, gid: 998, mtime: OLD },
      { name: "data/conf/", type: "directory", mode: 0o700, uid: 999, gid: 998, mtime: OLD },
      { name: "data/conf/main.cnf", content: "lower", mode: 0o640, uid: 999, gid: 998, mtime: OLD },
      { name: "data/conf/gone.cnf", content: "deleted above" },
      { name: "data/bin/", type: "directory", mtime: OLD },
      { name: "data/bin/tool", content: "#!/bin/sh\n", mode: 0o4755, mtime: OLD },
      { name: "data/bin/tool-alias", type: "link", linkname: "data/bin/tool" },
      { name: "data/cache/", type: "directory", mtime: OLD },
      { name: "data/cache/stale", content: "hidden by an opaque dir above" },
      { name: "data/escape", type: "symlink", linkname: "/etc", uid: 5, gid: 6, mtime: OLD },
      { name: "data/up", type: "symlink", linkname: "../../../..", mtime: OLD },
      { name: "data/pipe", type: "fifo", mode: 0o620, mtime: OLD },
      { name: "etc/", type: "directory" },
      { name: "etc/image-only", content: "from the image's own /etc" },
      { name: "link-to-data", type: "symlink", linkname: "/data" },
      { name: "link-to-etc", type: "symlink", linkname: "../../../../etc" },
      { name: "plain-file", content: "not a directory" },
    ]);
    const upper = await layer("upper", [
      { name: "data/", type: "directory", mode: 0o750, uid: 999, gid: 998, mtime: NEW },
      { name: "data/conf/", type: "directory", mode: 0o700, uid: 999, gid: 998, mtime: NEW },
      { name: "data/conf/main.cnf", content: "upper wins", mode: 0o600, uid: 999, gid: 998, mtime: NEW },
      { name: "data/conf/.wh.gone.cnf" },
      { name: "data/cache/", type: "directory", mtime: NEW },
      { name: "data/cache/.wh..wh..opq" },
      { name: "data/cache/fresh", content: "new" },
    ]);
    layers = [upper, lower];
  });

  afterEach(() => {
    assert.deepEqual(mountsUnder(base.path), []);
    base.cleanup();
  });

  it("copies the merged view: topmost wins, whiteouts and opaque dirs respected, owners, modes, mtimes, links", async () => {
    const volume = emptyVolume();
    assert.equal(await copyUp(layers, "/data", volume), true);
    assert.deepEqual(listing(volume), [
      "bin dir 0:0 755",
      "bin/tool file 0:0 4755",
      "bin/tool-alias file 0:0 4755",
      "cache dir 0:0 755",
      "cache/fresh file 0:0 644",
      "conf dir 999:998 700",
      "conf/main.cnf file 999:998 600",
      "escape link->/etc 5:6 777",
      "pipe fifo 0:0 620",
      "up link->../../../.. 0:0 777",
    ]);
    assert.equal(readFileSync(join(volume, "conf/main.cnf"), "utf8"), "upper wins");
    const tool = lstatSync(join(volume, "bin/tool"));
    assert.equal(tool.ino, lstatSync(join(volume, "bin/tool-alias")).ino, "hard links stay one inode");
    assert.equal(tool.nlink, 2);
    assert.equal(lstatSync(join(volume, "conf")).mtime.getTime(), NEW.getTime(), "directory times are set after their content");
    assert.equal(lstatSync(join(volume, "bin")).mtime.getTime(), OLD.getTime());
    assert.equal(lstatSync(join(volume, "escape")).mtime.getTime(), OLD.getTime());
    const root = lstatSync(volume);
    assert.deepEqual([root.uid, root.gid, root.mode & 0o7777, root.mtime.getTime()], [999, 998, 0o750, NEW.getTime()], "the volume takes the image directory's owner, mode and time");
  });

  it("resolves the mount path inside the image: symlinks to /data or ../../../../etc stay in the layers", async () => {
    const viaLink = emptyVolume();
    assert.equal(await copyUp(layers, "/link-to-data", viaLink), true);
    assert.ok(readdirSync(viaLink).includes("conf"));
    const etc = emptyVolume();
    assert.equal(await copyUp(layers, "/link-to-etc", etc), true);
    assert.deepEqual(readdirSync(etc), ["image-only"], "the image's /etc, not the host's");
    const escaped = emptyVolume();
    assert.equal(await copyUp(layers, "/data/escape", escaped), true);
    assert.deepEqual(readdirSync(escaped), ["image-only"], "an absolute link inside the image starts at the image's root");
    const climbed = emptyVolume();
    assert.equal(await copyUp(layers, "/data/up/etc", climbed), true);
    assert.deepEqual(readdirSync(climbed), ["image-only"], ".. stops at the image's root");
  });

  it("does nothing where the image has no directory, or when the volume has content", async () => {
    for (const path of ["/nowhere", "/plain-file", "/data/conf/gone.cnf", "/data/cache/stale"]) {
      const volume = emptyVolume();
      assert.equal(await copyUp(layers, path, volume), false, path);
      assert.deepEqual(readdirSync(volume), [], path);
    }
    const used = emptyVolume();
    writeFileSync(join(used, "mine"), "user data");
    const before = lstatSync(used);
    assert.equal(await copyUp(layers, "/data", used), false);
    assert.deepEqual(readdirSync(used), ["mine"]);
    assert.deepEqual([lstatSync(used).mode, lstatSync(used).uid], [before.mode, before.uid]);
    assert.equal(readFileSync(join(used, "mine"), "utf8"), "user data");
  });
});
