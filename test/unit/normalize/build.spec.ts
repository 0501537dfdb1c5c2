import assert from "node:assert/strict";
import { web } from "./fixture.js";

describe("normalize: build", () => {
  it("turns a context string into the long form with the default Dockerfile", () => {
    assert.deepEqual(web("services: {web: {build: /srv/demo/app}}").build, { context: "/srv/demo/app", dockerfile: "Dockerfile" });
  });

  it("defaults the context to the project directory and leaves dockerfile out for an inline one", () => {
    assert.deepEqual(web("services: {web: {build: {dockerfile_inline: FROM scratch}}}").build, { context: "/srv/demo", dockerfile_inline: "FROM scratch" });
  });

  it("resolves bare build args from the shell and keeps those it does not set as null", () => {
    const build = web("services: {web: {build: {context: /c, args: [VERSION, MISSING, MODE=prod]}}}", { env: { VERSION: "1.2" } }).build;
    assert.deepEqual(build?.args, { VERSION: "1.2", MISSING: null, MODE: "prod" });
  });

  it("canonicalises labels, ssh, sizes, hosts and secrets inside build", () => {
    const build = web(`
services:
  web:
    build:
      context: /c
      labels: [a=1, b]
      ssh: {default: null, key: /home/me/.ssh/id}
      shm_size: 1g
      extra_hosts: [db:10.0.0.2]
      secrets: [token]
      x-a: 1
`).build;
    assert.deepEqual(build, {
      context: "/c",
      dockerfile: "Dockerfile",
      labels: { a: "1", b: "" },
      ssh: ["default", "key=/home/me/.ssh/id"],
      shm_size: "1073741824",
      extra_hosts: ["db=10.0.0.2"],
      secrets: [{ source: "token" }],
    });
  });
});
