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

  it("checks HostConfig: capabilities, security options, network modes", () => {
    assert.doesNotThrow(() => checkHostConfig({ CapAdd: ["net_admin", "CAP_SYS_TIME", "ALL"], SecurityOpt: ["no-new-privileges:true"], NetworkMode: "none" }));
    assert.throws(() => checkHostConfig({ CapDrop: ["FLY"] }), /unknown capability: "FLY"/);
    assert.throws(() => checkHostConfig({ SecurityOpt: ["seccomp=/profile.json"] }), /invalid security option/);
    assert.doesNotThrow(() => checkHostConfig({ NetworkMode: "mynet" })); // a network name: networking.ts resolves it at create
    assert.throws(() => checkHostConfig({ NetworkMode: "host", Sysctls: { "net.ipv4.ip_forward": "1" } }), /would change the host/);
    assert.throws(() => checkHostConfig({ Devices: [{ PathOnHost: "/dev/fuse", PathInContainer: "/dev/fuse", CgroupPermissions: "rwm" }] }), { name: "NotImplementedError" });
    assert.throws(() => checkHostConfig({ Ulimits: [{ Name: "nofile", Soft: 10, Hard: 5 }] }), /Soft <= Hard/);
  });

  it("checks restart policies as dockerd does, with its messages", () => {
    for (const Name of ["", "no", "always", "unless-stopped", "on-failure"]) assert.doesNotThrow(() => checkHostConfig({ RestartPolicy: { Name } }));
    assert.doesNotThrow(() => checkHostConfig({ RestartPolicy: { Name: "on-failure", MaximumRetryCount: 3 } }));
    assert.throws(() => checkHostConfig({ RestartPolicy: { Name: "sometimes" } }),
      { message: "invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'" });
    assert.throws(() => checkHostConfig({ RestartPolicy: { Name: "always", MaximumRetryCount: 2 } }),
      { message: "invalid restart policy: maximum retry count can only be used with 'on-failure'" });
    assert.throws(() => checkHostConfig({ RestartPolicy: { Name: "on-failure", MaximumRetryCount: -1 } }),
      { message: "invalid restart policy: maximum retry count cannot be negative" });
    assert.throws(() => checkHostConfig({ AutoRemove: true, RestartPolicy: { Name: "always" } }), { message: "can't create 'AutoRemove' container with restart policy" });
  });

  it("merges the image's healthcheck field by field and checks the request's as dockerd does", () => {
    const image = { ...IMAGE, Healthcheck: { Test: ["CMD", "probe"], Interval: 5e9, Retries: 7 } };
    assert.deepEqual(mergeConfig(ID, { Image: "img" }, image).Healthcheck, image.Healthcheck);
    assert.deepEqual(mergeConfig(ID, { Image: "img", Healthcheck: { Interval: 1e9 } }, image).Healthcheck, { Test: ["CMD", "probe"], Interval: 1e9, Retries: 7 });
    assert.deepEqual(mergeConfig(ID, { Image: "img", Healthcheck: { Test: ["NONE"] } }, image).Healthcheck?.Test, ["NONE"]);
    assert.throws(() => mergeConfig(ID, { Image: "img", Healthcheck: { Test: ["CMD", "x"], Interval: 500_000 } }, IMAGE), { message: "Interval in Healthcheck cannot be less than 1ms" });
    assert.throws(() => mergeConfig(ID, { Image: "img", Healthcheck: { Test: ["CMD", "x"], Retries: -1 } }, IMAGE), { message: "Retries in Healthcheck cannot be negative" });
    assert.throws(() => mergeConfig(ID, { Image: "img", Healthcheck: { Test: ["SHELL", "x"] } }, IMAGE), /unknown healthcheck type "SHELL"/);
  });
});
