// A corpus of hostile layers. Each must be rejected with an error naming the problem, write nothing outside
// the store (a canary directory next to it stays byte-for-byte the same) and leave no layer, blob or temp
// file behind.
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { ImageStore } from "../../../src/runtime/image/store.js";
import { dockerSaveArchive, makeImage, makeTar, snapshot, tempDir, type TarItem } from "./tars.js";

describe("malicious layers", function () {
  let base: ReturnType<typeof tempDir>;
  let canary: string;
  let root: string;
  let store: ImageStore;
  let canaryBefore: string[];
  const shadowBefore = statSync("/etc/shadow");

  beforeEach(async function () {
    base = tempDir("malicious");
    canary = join(base.path, "canary");
    mkdirSync(canary);
    writeFileSync(join(canary, "secret"), "do not touch\n");
    root = join(base.path, "store");
    store = await ImageStore.open(root, { hostImage: false });
    canaryBefore = snapshot(canary);
  });

  afterEach(function () {
    base.cleanup();
  });

  /** The layer temp dir is <root>/tmp/layer-XXXX, so this many ".." reach the canary's parent. */
  const up = "../../../";

  async function assertRejected(items: TarItem[] | Buffer, message: RegExp, options: { diffIds?: string[] } = {}) {
    const layer = Buffer.isBuffer(items) ? items : await makeTar(items);
    const image = makeImage([layer]);
    if (options.diffIds) {
      const config = JSON.parse(image.config.toString());
      config.rootfs.diff_ids = options.diffIds;
      image.config = Buffer.from(JSON.stringify(config));
    }
    const archive = await dockerSaveArchive([{ image, tags: ["evil:latest"] }]);
    await assert.rejects(store.load(Readable.from([archive])), (err: Error) => {
      assert.equal(err.name, "EngineError");
      assert.match(err.message, message);
      return true;
    });
    assert.deepEqual(snapshot(canary), canaryBefore, "the canary outside the store changed");
    assert.equal(readFileSync(join(canary, "secret"), "utf8"), "do not touch\n");
    const shadow = statSync("/etc/shadow");
    assert.equal(shadow.nlink, shadowBefore.nlink, "/etc/shadow gained a hard link");
    assert.equal(shadow.mtimeMs, shadowBefore.mtimeMs);
    for (const dir of ["layers", "tmp", "blobs/sha256"]) assert.deepEqual(readdirSync(join(root, dir)), [], `${dir}/ is not empty`);
    assert.deepEqual(await store.list(), []);
  }

  it("rejects a path with .. components", async function () {
    await assertRejected([{ name: `${up}canary/pwned`, content: "x" }], /layer sha256:[0-9a-f]{12}: entry "\.\.\/\.\.\/\.\.\/canary\/pwned" escapes the layer/);
  });

  it("rejects an absolute path", async function () {
    await assertRejected([{ name: `${canary}/pwned`, content: "x" }], /is an absolute path; layer paths must be relative/);
  });

  it("rejects writing through a symlink the layer made", async function () {
    await assertRejected(
      [
        { name: "evil", type: "symlink", linkname: canary },
        { name: "evil/pwned", content: "x" },
      ],
      /entry "evil\/pwned" goes through the symlink "evil"/,
    );
  });

  it("rejects a chain of symlinks that leads out", async function () {
    await assertRejected(
      [
        { name: "b", type: "symlink", linkname: `${up}canary` },
        { name: "a", type: "symlink", linkname: "b" },
        { name: "a/pwned", content: "x" },
      ],
      /goes through the symlink "a"/,
    );
  });

  it("rejects a hard link to /etc/shadow", async function () {
    await assertRejected([{ name: "shadow", type: "link", linkname: "/etc/shadow" }], /hard link target "\/etc\/shadow" is an absolute path/);
  });

  it("rejects a hard link that climbs out with ..", async function () {
    await assertRejected([{ name: "secret", type: "link", linkname: `${up}canary/secret` }], /escapes the layer/);
  });

  it("rejects a hard link through a symlinked directory", async function () {
    await assertRejected(
      [
        { name: "d", type: "symlink", linkname: canary },
        { name: "secret", type: "link", linkname: "d/secret" },
      ],
      /entry "secret" is a hard link through "d", which is not a directory/,
    );
  });

  it("rejects a hard link to a directory", async function () {
    await assertRejected(
      [
        { name: "etc/", type: "directory" },
        { name: "etc2", type: "link", linkname: "etc" },
      ],
      /is a hard link to "etc", which is not a regular file/,
    );
  });

  it("rejects a file that a later entry uses as a directory", async function () {
    await assertRejected(
      [
        { name: "f", content: "x" },
        { name: "f/g", content: "y" },
      ],
      /entry "f\/g" needs "f" to be a directory, but an earlier entry made it a file/,
    );
  });

  it("rejects a directory replaced by a symlink and then written through", async function () {
    await assertRejected(
      [
        { name: "d/", type: "directory" },
        { name: "d/ok", content: "fine" },
        { name: "d", type: "symlink", linkname: canary },
        { name: "d/pwned", content: "x" },
      ],
      /entry "d\/pwned" goes through the symlink "d"/,
    );
  });

  it("rejects a NUL byte in a name", async function () {
    await assertRejected([{ name: "placeholder", content: "x", pax: { path: "a\0b" } }], /contains a NUL byte/);
  });

  it("rejects a huge pax header", async function () {
    await assertRejected([{ name: "f", content: "x", pax: { comment: "x".repeat(5 * 1024 * 1024) } }], /not a valid tar archive: Header exceeds max size/);
  });

  it("rejects a whiteout of ..", async function () {
    await assertRejected([{ name: "a/.wh..", content: "" }], /is a whiteout of nothing/);
  });

  it("rejects a layer root that is not a directory", async function () {
    await assertRejected([{ name: "./", type: "symlink", linkname: canary }], /is the layer root but not a directory/);
  });

  it("rejects bytes that are not a tar", async function () {
    await assertRejected(gzipSync(Buffer.alloc(4096, 7)), /not a valid tar archive/);
  });

  it("rejects zstd layers with a clear message", async function () {
    await assertRejected(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3, 4]), /zstd layers are not supported yet/);
  });

  it("rejects a layer whose content does not match the config's diff ID", async function () {
    await assertRejected([{ name: "f", content: "x" }], /uncompressed content has digest sha256:[0-9a-f]{64}, but the image config lists diff ID sha256:0{64}/, {
      diffIds: [`sha256:${"0".repeat(64)}`],
    });
  });
});
