// down --rmi's choice of images: pure, from the compose file's services and the containers down removes.
import assert from "node:assert/strict";
import { imagesToRemove, removeImagesMode } from "../../../src/plan/down-images.js";
import { userError } from "../user-error.js";
import { inlineProject, runningContainer } from "./inline-project.js";

const loaded = inlineProject(
  "services:\n  app: {build: .}\n  named: {build: ., image: example/named:2}\n  db: {image: postgres:16}\n  tool: {image: berth/host, profiles: [tools]}\n",
);

describe("down --rmi: the images to remove", () => {
  it("local: the images built under the default <project>-<service> name, not those with an image: name", () => {
    assert.deepEqual(imagesToRemove("local", "demo", loaded.project, []), ["demo-app"]);
  });

  it("all: every service's image, built or not", () => {
    assert.deepEqual(imagesToRemove("all", "demo", loaded.project, []), ["demo-app", "example/named:2", "postgres:16"]);
  });

  it("without a compose file, from the removed containers: local takes an image named as a built one", () => {
    const containers = [
      runningContainer(loaded, "app", 1, { image: "demo-app" }),
      runningContainer(loaded, "app", 2, { image: "demo-app" }),
      runningContainer(loaded, "api", 1, { image: "demo-api:latest" }),
      runningContainer(loaded, "db", 1, { image: "postgres:16" }),
      runningContainer(loaded, "old", 1, { image: `sha256:${"a".repeat(64)}` }),
    ];
    assert.deepEqual(imagesToRemove("local", "demo", undefined, containers), ["demo-api:latest", "demo-app"]);
    assert.deepEqual(imagesToRemove("all", "demo", undefined, containers), ["demo-api:latest", "demo-app", "postgres:16"], "an image id names no image");
  });

  it("with a compose file, containers of its services follow the file; those of other services (orphans) add theirs", () => {
    const containers = [runningContainer(loaded, "db", 1, { image: "demo-db" }), runningContainer(loaded, "gone", 1, { image: "demo-gone" })];
    assert.deepEqual(imagesToRemove("local", "demo", loaded.project, containers), ["demo-app", "demo-gone"]);
  });

  it("takes local and all, and names the flag on anything else", () => {
    assert.equal(removeImagesMode(undefined), undefined);
    assert.equal(removeImagesMode("all"), "all");
    assert.equal(userError(() => removeImagesMode("none")).message, 'invalid value for --rmi: "none" (use local or all)');
  });
});
