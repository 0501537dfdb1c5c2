import assert from "node:assert/strict";
import { berthRoot, DEFAULT_SOCKET, formatHost, localSocket, parseHost } from "../../../src/engine/config.js";

describe("engine config", () => {
  it("uses the well-known socket for the default root and one inside any other root", () => {
    assert.equal(berthRoot({}), "/var/lib/berth");
    assert.equal(localSocket(berthRoot({})), DEFAULT_SOCKET);
    assert.equal(localSocket(berthRoot({ BERTH_ROOT: "/tmp/r1/" })), "/tmp/r1/berthd.sock");
  });

  it("parses unix and tcp host URLs and prints them back", () => {
    for (const url of ["unix:///run/berth/berthd.sock", "tcp://127.0.0.1:2375", "tcp://[::1]:2375"]) {
      assert.equal(formatHost(parseHost(url)), url);
    }
    assert.deepEqual(parseHost("tcp://[::1]:2375"), { kind: "tcp", host: "::1", port: 2375 });
  });

  it("rejects host URLs it cannot use, saying what would work", () => {
    assert.throws(() => parseHost("ssh://me@box"), { message: 'invalid host "ssh://me@box": use unix:///path/to/socket or tcp://127.0.0.1:PORT' });
    assert.throws(() => parseHost("unix://relative.sock"), { message: /the socket path must be absolute/ });
    assert.throws(() => parseHost("tcp://127.0.0.1"), { message: /a TCP address needs a port/ });
    assert.throws(() => parseHost(`unix:///${"x".repeat(120)}`), { message: /limited to 107 bytes/ });
  });
});
