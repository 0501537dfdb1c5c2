// Which registry a login's server address names (POST /auth's `serveraddress`, as docker login sends it).
import assert from "node:assert/strict";
import { loginDomain } from "../../../src/runtime/image/registry/login.js";

describe("registry login address", function () {
  it("takes the host[:port] of an address with or without a scheme and path", function () {
    assert.equal(loginDomain("127.0.0.1:5000"), "127.0.0.1:5000");
    assert.equal(loginDomain("http://127.0.0.1:5000/v2/"), "127.0.0.1:5000");
    assert.equal(loginDomain("registry.example"), "registry.example");
    assert.equal(loginDomain("https://registry.example:443/v1/"), "registry.example");
  });

  it("names Docker Hub by default and by its index address", function () {
    for (const address of [undefined, "", "https://index.docker.io/v1/", "docker.io", "registry-1.docker.io"]) assert.equal(loginDomain(address), "docker.io", String(address));
  });

  it("refuses an address that is no host", function () {
    assert.throws(() => loginDomain("http://[nope"), /^EngineError: unable to parse server address: http:\/\/\[nope$/);
  });
});
