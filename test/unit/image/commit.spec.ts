// The config side of docker commit: the change instructions applied to a config, and dockerd's merge of the
// result with the container's config.
import assert from "node:assert/strict";
import { EngineError } from "../../../src/runtime/image/errors.js";
import { applyChanges, bodyConfig, mergeCommitConfig, runConfigOf } from "../../../src/runtime/image/commit.js";
import type { RunConfig } from "../../../src/runtime/image/config.js";

const container: RunConfig = {
  User: "app",
  Env: ["PATH=/usr/bin:/bin", "MODE=live"],
  Cmd: ["serve", "--port", "80"],
  Entrypoint: null,
  WorkingDir: "/srv",
  Labels: { team: "a" },
  ExposedPorts: { "80/tcp": {} },
  Volumes: { "/data": {} },
  StopSignal: "SIGTERM",
  Healthcheck: { Test: ["CMD", "check"], Interval: 5_000_000_000, Retries: 3 },
};

const refused = (changes: string[], message: string) =>
  assert.throws(() => applyChanges(container, changes), (err: Error) => {
    assert.ok(err instanceof EngineError && err.kind === "InvalidArgument");
    assert.equal(err.message, message);
    return true;
  });

describe("commit: changes and config merge", function () {
  it("applies changes with the config's variables, as Dockerfile instructions", function () {
    const changed = applyChanges(container, [
      "ENV PATH=$PATH:/opt/bin GREETING=hi",
      "cmd echo $GREETING",
      'LABEL "com.example.v"=2',
      "EXPOSE 53/udp",
      "WORKDIR sub",
      "VOLUME /cache",
      "USER root",
      "STOPSIGNAL SIGINT",
      "ONBUILD RUN make",
      "HEALTHCHECK --interval=1s CMD true",
      "",
    ]);
    assert.deepEqual(changed.Env, ["PATH=/usr/bin:/bin:/opt/bin", "MODE=live", "GREETING=hi"], "a variable set again keeps its place, as in dockerd");
    assert.deepEqual(changed.Cmd, ["/bin/sh", "-c", "echo $GREETING"]);
    assert.deepEqual(changed.Labels, { team: "a", "com.example.v": "2" });
    assert.deepEqual(changed.ExposedPorts, { "80/tcp": {}, "53/udp": {} });
    assert.equal(changed.WorkingDir, "/srv/sub");
    assert.deepEqual(changed.Volumes, { "/data": {}, "/cache": {} });
    assert.equal(changed.User, "root");
    assert.equal(changed.StopSignal, "SIGINT");
    assert.deepEqual(changed.OnBuild, ["RUN make"]);
    assert.deepEqual(changed.Healthcheck, { Test: ["CMD-SHELL", "true"], Interval: 1_000_000_000 });
    assert.deepEqual(container.Env, ["PATH=/usr/bin:/bin", "MODE=live"], "the config given is not changed");
  });

  it("ENTRYPOINT clears the container's Cmd unless a CMD change came first, as in dockerd", function () {
    const alone = mergeCommitConfig(applyChanges(container, ['ENTRYPOINT ["/init"]']), container);
    assert.deepEqual([alone.Entrypoint, alone.Cmd], [["/init"], null]);
    const both = mergeCommitConfig(applyChanges(container, ['CMD ["run"]', 'ENTRYPOINT ["/init"]']), container);
    assert.deepEqual([both.Entrypoint, both.Cmd], [["/init"], ["run"]]);
  });

  it("refuses instructions commit does not take and bad arguments, naming the change", function () {
    refused(["RUN make"], "run is not a valid change command");
    refused(["FROM scratch"], "from is not a valid change command");
    refused(["SHELL [\"bash\"]"], "shell is not a valid change command");
    refused(["FOO bar"], "foo is not a valid change command");
    refused(["EXPOSE 99999999x"], 'invalid change "EXPOSE 99999999x": invalid containerPort: 99999999x');
    refused(["USER a b"], 'invalid change "USER a b": USER requires exactly one argument');
    refused(["ONBUILD ONBUILD RUN x"], 'invalid change "ONBUILD ONBUILD RUN x": Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
  });

  it("fills what the commit's config leaves empty from the container's, as dockerd's merge", function () {
    const merged = mergeCommitConfig({ Env: ["MODE=test", "EXTRA=1"], ExposedPorts: { "443/tcp": {} }, Labels: { team: "b" }, Volumes: { "/logs": {} } }, container);
    assert.deepEqual(merged, {
      User: "app",
      Env: ["MODE=test", "EXTRA=1", "PATH=/usr/bin:/bin"],
      ExposedPorts: { "80/tcp": {}, "443/tcp": {} },
      Labels: { team: "b" },
      Cmd: ["serve", "--port", "80"],
      Entrypoint: null,
      WorkingDir: "/srv",
      Volumes: { "/logs": {}, "/data": {} },
      StopSignal: "SIGTERM",
      Healthcheck: container.Healthcheck,
    });
    assert.deepEqual(mergeCommitConfig(runConfigOf(container), container), container, "the container's own config merges to itself");
    const check = mergeCommitConfig({ Healthcheck: { Test: ["CMD", "other"], Retries: 0 } }, container).Healthcheck;
    assert.deepEqual(check, { Test: ["CMD", "other"], Interval: 5_000_000_000, Retries: 3 });
  });

  it("reads a request body's Config as dockerd decodes it", function () {
    assert.equal(bodyConfig(null), undefined);
    assert.equal(bodyConfig({ container: "web", repo: "img", changes: ["CMD x"], pause: true }), undefined, "dockerode's options as the body: no Config field, no config");
    assert.deepEqual(bodyConfig({ env: ["A=1"], cmd: ["x"], container: "web" }), { Env: ["A=1"], Cmd: ["x"] }, "names match case-insensitively");
    assert.deepEqual(bodyConfig({ Hostname: "h" }), {}, "a Config that sets nothing of the image's: an empty one");
  });

  it("keeps only the image-config fields of a container's Config", function () {
    const picked = runConfigOf({ ...container, Hostname: "abc", Tty: true, AttachStdout: true } as RunConfig);
    assert.deepEqual(Object.keys(picked).sort(), Object.keys(container).sort());
  });
});
