// Create-time rules: the image's config merged in as dockerd does, and HostConfig checks with their messages.
import assert from "node:assert/strict";
import { checkHostConfig, commandOf, mergeConfig, mergeEnv } from "../../../src/runtime/container/config.js";

const ID = "0123456789abcdef".repeat(4);
const IMAGE = { Env: ["PATH=/bin", "A=image"], Cmd: ["sh"], Entrypoint: null, WorkingDir: "/srv", User: "app", Labels: { from: "image", both: "image" } };

describe("container config", () => {
  it("merges env by name, the request winning", () => {
    assert.deepEqual(mergeEnv(["PATH=/bin", "A=1"], ["A=2", "B=3"]), ["PATH=/bin", "A=2", "B=3"]);
  });

  it("takes the image's defaults for what the request leaves out, the short id as hostname", () => {
    const config = mergeConfig(ID, { Image: "img", Labels: { both: "request" } }, IMAGE);
    assert.equal(config.Hostname, "0123456789ab");
    assert.deepEqual(config.Cmd, ["sh"]);
    assert.equal(config.WorkingDir, "/srv");
    assert.equal(config.User, "app");
    assert.deepEqual(config.Labels, { from: "image", both: "request" });
    assert.deepEqual(commandOf(config), ["sh"]);
  });

  it("drops the image's Cmd when the request sets an entrypoint, and resets the entrypoint with [\"\"]", () => {
    const withEntrypoint = mergeConfig(ID, { Image: "img", Entrypoint: "echo" }, { ...IMAGE, Entrypoint: ["/init"] });
    assert.deepEqual(commandOf(withEntrypoint), ["echo"]);
    const reset = mergeConfig(ID, { Image: "img", Entrypoint: [""], Cmd: ["ls"] }, { ...IMAGE, Entrypoint: ["/init"] });
    assert.deepEqual(commandOf(reset), ["ls"]);
    assert.throws(() => commandOf(mergeConfig(ID, { Image: "img", Entrypoint: [""] }, IMAGE)), /no command specified/);
  });

  it("checks HostConfig: capabilities, security options, network modes, restart policies", () => {
    assert.doesNotThrow(() => checkHostConfig({ CapAdd: ["net_admin", "CAP_SYS_TIME", "ALL"], SecurityOpt: ["no-new-privileges:true"], NetworkMode: "none" }));
    assert.throws(() => checkHostConfig({ CapDrop: ["FLY"] }), /unknown capability: "FLY"/);
    assert.throws(() => checkHostConfig({ SecurityOpt: ["seccomp=/profile.json"] }), /invalid security option/);
    assert.throws(() => checkHostConfig({ NetworkMode: "mynet" }), { name: "NotImplementedError" });
    assert.throws(() => checkHostConfig({ NetworkMode: "host", Sysctls: { "net.ipv4.ip_forward": "1" } }), /would change the host/);
    assert.throws(() => checkHostConfig({ RestartPolicy: { Name: "always" } }), { name: "NotImplementedError" });
    assert.throws(() => checkHostConfig({ Devices: [{ PathOnHost: "/dev/fuse", PathInContainer: "/dev/fuse", CgroupPermissions: "rwm" }] }), { name: "NotImplementedError" });
    assert.throws(() => checkHostConfig({ Ulimits: [{ Name: "nofile", Soft: 10, Hard: 5 }] }), /Soft <= Hard/);
  });
});
