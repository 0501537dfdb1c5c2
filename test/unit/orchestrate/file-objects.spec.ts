// Where secrets and configs go in a container, which are bind-mounted and which copied in, as compose decides.
import assert from "node:assert/strict";
import type { Project, Service } from "../../../src/compose/model.js";
import { fileBinds, fileObjects, withEnvironmentContent } from "../../../src/orchestrate/file-objects.js";

const project = {
  secrets: { token: { name: "p_token", file: "/srv/token" }, key: { name: "p_key", environment: "KEY" } },
  configs: { app: { name: "p_app", content: "x" }, plain: { name: "p_plain", file: "/srv/plain" } },
} as unknown as Project;

describe("secrets and configs in a container", () => {
  it("secrets go under /run/secrets (a relative target too), configs at /<name> unless their target is absolute", () => {
    const service = {
      secrets: [{ source: "token" }, { source: "key", target: "api" }, { source: "token", target: "/etc/token" }],
      configs: [{ source: "plain" }, { source: "app", target: "/etc/app.conf" }],
    } as Service;
    assert.deepEqual(fileObjects(service, project).map((o) => [o.kind, o.target]), [
      ["secret", "/run/secrets/token"],
      ["secret", "/run/secrets/api"],
      ["secret", "/etc/token"],
      ["config", "/plain"],
      ["config", "/etc/app.conf"],
    ]);
  });

  it("only plain file sources are bind-mounted, read-only; uid, gid or mode make a file copied in", () => {
    const service = { secrets: [{ source: "token" }, { source: "token", target: "moded", mode: 0o400 }, { source: "key" }], configs: [{ source: "app" }] } as Service;
    assert.deepEqual(fileBinds(fileObjects(service, project)), [{ Type: "bind", Source: "/srv/token", Target: "/run/secrets/token", ReadOnly: true }]);
  });

  it("an undefined or external object is refused", () => {
    assert.throws(() => fileObjects({ secrets: [{ source: "nosuch" }] } as Service, project), /undefined secret "nosuch"/);
    const external = { ...project, configs: { ext: { name: "ext", external: true } } } as unknown as Project;
    assert.throws(() => fileObjects({ configs: [{ source: "ext" }] } as Service, external), /unsupported external config ext/);
  });

  it("an environment source takes the variable's value as content when it is set", () => {
    assert.equal(withEnvironmentContent(project, (name) => (name === "KEY" ? "v" : undefined)).secrets.key!.content, "v");
    assert.equal(withEnvironmentContent(project, () => undefined).secrets.key!.content, undefined);
  });
});
