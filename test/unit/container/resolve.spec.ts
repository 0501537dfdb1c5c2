// Paths resolved the way the container sees them, across the upper dir and image layers: symlinks stay
// inside the container's root, whiteouts hide lower entries.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveInRoot } from "../../../src/runtime/container/merged-view.js";
import { mknod, S_IFCHR } from "../../../src/runtime/native.js";

describe("resolveInRoot", () => {
  let root: string;
  let upper: string;
  let lower: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "berth-resolve-"));
    upper = join(root, "upper");
    lower = join(root, "lower");
    mkdirSync(join(lower, "etc/conf.d"), { recursive: true });
    mkdirSync(join(lower, "var"), { recursive: true });
    symlinkSync("/etc", join(lower, "var/etc-abs"));
    symlinkSync("../etc/conf.d", join(lower, "var/rel"));
    symlinkSync("../../../../..", join(lower, "var/up"));
    symlinkSync("loop", join(lower, "var/loop"));
    mkdirSync(upper);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("follows absolute and relative symlinks inside the root, and never above it", () => {
    assert.equal(resolveInRoot([upper, lower], "/var/etc-abs/conf.d"), "etc/conf.d");
    assert.equal(resolveInRoot([upper, lower], "/var/rel/x"), "etc/conf.d/x");
    assert.equal(resolveInRoot([upper, lower], "/var/up/etc"), "etc", "../.. at the root stays at the root");
    assert.equal(resolveInRoot([upper, lower], "/../../tmp"), "tmp");
    assert.throws(() => resolveInRoot([upper, lower], "/var/loop/x"), /too many levels of symbolic links/);
  });

  it("lets the upper dir's entries win, and a whiteout hide the lower one", () => {
    mkdirSync(join(upper, "var"));
    symlinkSync("/elsewhere", join(upper, "var/rel"));
    assert.equal(resolveInRoot([upper, lower], "/var/rel"), "elsewhere");
    mknod(join(upper, "var/etc-abs"), S_IFCHR, 0, 0);
    assert.equal(resolveInRoot([upper, lower], "/var/etc-abs/conf.d"), "var/etc-abs/conf.d", "a whited-out link is no link");
  });

  it("never looks through a lower layer's symlink that an upper directory replaced", () => {
    // The upper dir has a real directory where the lower one has a link to /etc: overlayfs shows only the
    // directory, so a link inside the host's /etc (such as /etc/alternatives/x) must not be seen through it.
    mkdirSync(join(upper, "var/etc-abs"), { recursive: true });
    assert.equal(resolveInRoot([upper, lower], "/var/etc-abs/alternatives/awk"), "var/etc-abs/alternatives/awk");
  });
});
