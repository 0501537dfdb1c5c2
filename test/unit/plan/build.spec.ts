// up's image decisions for services with a build section, pull_policy and --build/--no-build/--pull: pure planning.
import assert from "node:assert/strict";
import { desiredState } from "../../../src/plan/desired.js";
import { formatPlan, type Plan } from "../../../src/plan/plan.js";
import { planUp, type UpOptions } from "../../../src/plan/reconcile.js";
import { userError } from "../user-error.js";
import { inlineProject, runningContainer } from "./inline-project.js";

const BUILT = "services:\n  app: {build: ., command: sleep 1000}\n";

function plan(yaml: string, imageIds: Record<string, string>, options: UpOptions = {}, running: string[] = []): Plan {
  const loaded = inlineProject(yaml);
  const desired = desiredState({ project: loaded.project, graph: loaded.graph, workingDir: loaded.projectDir, configFiles: loaded.configFiles, services: [], imageIds });
  const containers = running.map((service) => runningContainer(loaded, service, 1));
  return planUp({ containers, networks: new Set(["demo_default"]), volumes: new Set() }, desired, options);
}

const kinds = (p: Plan) => p.nodes.map((n) => n.op.kind);

describe("reconcile: images built by up", () => {
  it("a build service's image is named <project>-<service> and built before its container is created", () => {
    assert.equal(
      formatPlan(plan(BUILT, {})),
      ["#1 build image demo-app", "#2 create container demo-app-1 (after #1)", "#3 start container demo-app-1 (after #2)", ""].join("\n"),
    );
  });

  it("image: names the built image", () => {
    assert.match(formatPlan(plan("services:\n  app: {build: ., image: example/app:dev}\n", {})), /^#1 build image example\/app:dev\n/);
  });

  it("an image already built is used as it is; --build builds it again; --no-build never builds", () => {
    const present = { "demo-app": "sha256:img" };
    assert.deepEqual(kinds(plan(BUILT, present, {}, ["app"])), []);
    assert.deepEqual(kinds(plan(BUILT, present, { build: "always" }, ["app"])), ["build-image"]);
    assert.deepEqual(kinds(plan(BUILT, present, { build: "never" }, ["app"])), []);
  });

  it("pull_policy: build builds every time, and is an error without a build section", () => {
    assert.deepEqual(kinds(plan("services:\n  app: {build: ., pull_policy: build}\n", { "demo-app": "sha256:img" }, {}, ["app"])), ["build-image"]);
    const message = userError(() => plan("services:\n  app: {image: busybox, pull_policy: build}\n", {})).message;
    assert.equal(message, "service app has pull_policy: build but no build section");
  });

  it("--no-build with a missing image: pulled when the service names an image, else a clear error", () => {
    assert.deepEqual(kinds(plan("services:\n  app: {build: ., image: example/app}\n", {}, { build: "never" })).slice(0, 1), ["pull-image"]);
    assert.equal(
      userError(() => plan(BUILT, {}, { build: "never" })).message,
      "No such image: demo-app (service app is built from its build section, and --no-build was given)",
    );
  });

  it("--pull overrides pull_policy: always pulls a present image, never refuses a missing one", () => {
    assert.deepEqual(kinds(plan("services:\n  a: {image: busybox, pull_policy: never}\n", { busybox: "sha256:img" }, { pull: "always" }, ["a"])), ["pull-image"]);
    assert.deepEqual(kinds(plan("services:\n  a: {image: busybox, pull_policy: always}\n", { busybox: "sha256:img" }, { pull: "missing" }, ["a"])), []);
    assert.equal(userError(() => plan("services:\n  a: {image: busybox}\n", {}, { pull: "never" })).message, "No such image: busybox (service a has pull_policy: never)");
  });

  it("a rebuilt image with a new id recreates the service's containers; the same id leaves them alone", () => {
    // runningContainer records image sha256:img
    assert.deepEqual(kinds(plan(BUILT, { "demo-app": "sha256:img" }, { build: "never" }, ["app"])), []);
    const rebuilt = plan(BUILT, { "demo-app": "sha256:new" }, { build: "never" }, ["app"]);
    assert.deepEqual(kinds(rebuilt), ["create-container", "stop-container", "remove-container", "rename-container", "start-container"]);
    assert.equal(rebuilt.nodes[0]!.cause, "image changed");
  });
});
