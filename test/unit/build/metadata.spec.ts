import assert from "node:assert/strict";
import { applyMetadata, type StageConfig } from "../../../src/runtime/build/metadata.js";
import { parseDockerfile } from "../../../src/runtime/build/parser.js";
import { IgnoreRules, patternRegex } from "../../../src/runtime/build/patterns.js";

/** Applies the instructions after a FROM to an empty config, each seeing the ENV before it. */
function configOf(lines: string[]): StageConfig {
  const stage: StageConfig = { config: {}, cmdSet: false };
  for (const i of parseDockerfile(["FROM x", ...lines].join("\n")).instructions.slice(1)) {
    const vars = new Map((stage.config.Env ?? []).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)] as [string, string]));
    applyMetadata(i, stage, vars, "\\");
  }
  return stage;
}

describe("Dockerfile metadata instructions", function () {
  it("ENV and LABEL take pairs (and the legacy single form); later ENV sees earlier values; a variable set again keeps its place", function () {
    const { config } = configOf(["ENV A=1 B=\"two words\"", "ENV C ${A}-x y", "ENV A=3 D=$A", 'LABEL "com.x"=1 version=$A']);
    assert.deepEqual(config.Env, ["A=3", "B=two words", "C=1-x y", "D=1"]);
    assert.deepEqual(config.Labels, { "com.x": "1", version: "3" });
  });

  it("WORKDIR resolves against the previous one; USER, EXPOSE, VOLUME, STOPSIGNAL, SHELL", function () {
    const { config } = configOf(["WORKDIR /a", "WORKDIR b", "USER bob:staff", "EXPOSE 80 53/UDP", 'VOLUME ["/data"]', "VOLUME /x /y", "STOPSIGNAL SIGINT", 'SHELL ["/bin/bash", "-c"]']);
    assert.equal(config.WorkingDir, "/a/b");
    assert.equal(config.User, "bob:staff");
    assert.deepEqual(config.ExposedPorts, { "80/tcp": {}, "53/udp": {} });
    assert.deepEqual(config.Volumes, { "/data": {}, "/x": {}, "/y": {} });
    assert.equal(config.StopSignal, "SIGINT");
    assert.deepEqual(config.Shell, ["/bin/bash", "-c"]);
  });

  it("CMD and ENTRYPOINT: exec form as given, shell form through SHELL; ENTRYPOINT clears an inherited CMD only", function () {
    const stage = configOf(['SHELL ["/bin/ash", "-c"]', "CMD echo hi", 'ENTRYPOINT ["/init"]']);
    assert.deepEqual(stage.config.Cmd, ["/bin/ash", "-c", "echo hi"]);
    assert.deepEqual(stage.config.Entrypoint, ["/init"]);
    const inherited: StageConfig = { config: { Cmd: ["sh"] }, cmdSet: false };
    applyMetadata(parseDockerfile("FROM x\nENTRYPOINT top -b").instructions[1]!, inherited, new Map(), "\\");
    assert.equal(inherited.config.Cmd, null);
    assert.deepEqual(inherited.config.Entrypoint, ["/bin/sh", "-c", "top -b"]);
  });

  it("HEALTHCHECK with its durations, NONE; ONBUILD; MAINTAINER", function () {
    const stage = configOf(["HEALTHCHECK --interval=1m30s --timeout=500ms --retries=2 CMD curl -f http://x/", "ONBUILD RUN make", "MAINTAINER me@x"]);
    assert.deepEqual(stage.config.Healthcheck, { Test: ["CMD-SHELL", "curl -f http://x/"], Interval: 90e9, Timeout: 500e6, Retries: 2 });
    assert.deepEqual(stage.config.OnBuild, ["RUN make"]);
    assert.equal(stage.author, "me@x");
    assert.deepEqual(configOf(["HEALTHCHECK NONE"]).config.Healthcheck, { Test: ["NONE"] });
    assert.deepEqual(configOf(['HEALTHCHECK CMD ["true"]']).config.Healthcheck, { Test: ["CMD", "true"] });
    assert.throws(() => configOf(["HEALTHCHECK --interval=10x CMD true"]), /invalid duration for --interval: "10x"/);
  });
});

describe("build path patterns", function () {
  it("match as Go's filepath.Match, with ** across directories", function () {
    assert.ok(patternRegex("*.txt").test("a.txt"));
    assert.ok(!patternRegex("*.txt").test("dir/a.txt"));
    assert.ok(patternRegex("**/*.txt").test("dir/sub/a.txt"));
    assert.ok(patternRegex("**/*.txt").test("a.txt"));
    assert.ok(patternRegex("file[0-9]").test("file7"));
    assert.ok(!patternRegex("file[!0-9]").test("file7"));
  });

  it(".dockerignore: a directory rule excludes its content, ! re-includes, the last match wins", function () {
    const rules = new IgnoreRules("# comment\nnode_modules\n*.log\n!keep.log\n/build/\n**/*.tmp\n");
    assert.ok(rules.ignores("node_modules/x/index.js"));
    assert.ok(rules.ignores("debug.log"));
    assert.ok(!rules.ignores("keep.log"));
    assert.ok(rules.ignores("build/out.js"));
    assert.ok(rules.ignores("deep/er/x.tmp"));
    assert.ok(!rules.ignores("src/index.js"));
    assert.ok(!rules.ignores("logs/debug.log"), "*.log matches at the top only");
  });
});
