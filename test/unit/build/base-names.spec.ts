// What a client reads from a Dockerfile to send credentials with a build: the names of its base and --from images,
// and the credentials X-Registry-Config carries by registry.
import assert from "node:assert/strict";
import { baseImageNames } from "../../../src/runtime/build/base-names.js";
import { DEFAULT_DOMAIN } from "../../../src/runtime/image/reference.js";
import { DOCKER_HUB_KEY, fromConfigHeader } from "../../../src/runtime/image/registry/credentials.js";

describe("build: base image names and X-Registry-Config", () => {
  it("lists FROM and --from names once each, with global ARGs and build args substituted", () => {
    const dockerfile = [
      "ARG REGISTRY=registry.example:5000",
      "ARG TAG",
      "FROM ${REGISTRY}/base:${TAG} AS build",
      "COPY --from=ghcr.io/org/tools:1 /bin/tool /bin/",
      "FROM scratch",
      "COPY --from=build /out /",
      "FROM ${REGISTRY}/base:${TAG}",
    ].join("\n");
    assert.deepEqual(baseImageNames(dockerfile, { TAG: "7" }), ["registry.example:5000/base:7", "ghcr.io/org/tools:1", "scratch", "build"]);
    assert.deepEqual(baseImageNames(dockerfile, { REGISTRY: "other.example", TAG: "8" })[0], "other.example/base:8", "a build arg wins over the default");
  });

  it("decodes X-Registry-Config by registry domain, Docker Hub's key as docker.io, entries without credentials left out", () => {
    const header = Buffer.from(
      JSON.stringify({
        [DOCKER_HUB_KEY]: { username: "hub", password: "h" },
        "http://127.0.0.1:5000": { auth: Buffer.from("u:p:q").toString("base64") },
        "empty.example": { username: "" },
      }),
    ).toString("base64");
    assert.deepEqual(
      [...fromConfigHeader(header)],
      [
        [DEFAULT_DOMAIN, { username: "hub", password: "h", registryToken: undefined }],
        ["127.0.0.1:5000", { username: "u", password: "p:q", registryToken: undefined }],
      ],
    );
    assert.deepEqual([...fromConfigHeader(undefined)], []);
    assert.throws(() => fromConfigHeader("not json"), /invalid X-Registry-Config header: expected base64url-encoded JSON/);
    assert.throws(() => fromConfigHeader(Buffer.from('"text"').toString("base64url")), /invalid X-Registry-Config header: expected a JSON object/);
  });
});
