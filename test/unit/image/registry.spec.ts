// The registry client's pure parts: manifests and platform selection, auth challenges, credentials, which
// hosts may be spoken to in plain HTTP, progress rendering, and berthd's daemon.json.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { readDaemonConfig } from "../../../src/engine/config.js";
import { sha256 } from "../../../src/runtime/image/digest.js";
import { parseChallenge } from "../../../src/runtime/image/registry/auth.js";
import { fromAuthHeader, fromDockerConfig } from "../../../src/runtime/image/registry/credentials.js";
import { endpointsFor, plainHttpAllowed } from "../../../src/runtime/image/registry/hosts.js";
import { MEDIA, parseManifest, parsePlatform, selectPlatform, type Descriptor } from "../../../src/runtime/image/registry/manifest.js";
import { humanSize, progressBar } from "../../../src/runtime/image/registry/progress.js";
import { VerifyStream } from "../../../src/runtime/image/registry/verify.js";

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const entry = (c: string, platform: Descriptor["platform"]): Descriptor => ({ mediaType: MEDIA.dockerManifest, digest: digest(c), size: 1, platform });

describe("registry client parts", function () {
  describe("manifests", function () {
    it("reads image manifests and indexes, by their own media type or the response's", function () {
      const image = { schemaVersion: 2, mediaType: MEDIA.dockerManifest, config: { digest: digest("a"), size: 2 }, layers: [{ digest: digest("b"), size: 3 }] };
      assert.deepEqual(parseManifest(Buffer.from(JSON.stringify(image)), "", "m"), { kind: "image", config: image.config, layers: image.layers });
      const { mediaType: _, ...bare } = image;
      assert.equal(parseManifest(Buffer.from(JSON.stringify(bare)), `${MEDIA.ociManifest}; charset=utf-8`, "m").kind, "image");
      const index = { schemaVersion: 2, manifests: [entry("c", { os: "linux", architecture: "amd64" })] };
      assert.deepEqual(parseManifest(Buffer.from(JSON.stringify(index)), MEDIA.ociIndex, "i"), { kind: "index", manifests: index.manifests });
    });

    it("refuses what it cannot read, saying why", function () {
      assert.throws(() => parseManifest(Buffer.from("{"), "", "m1"), /manifest m1 is not valid JSON/);
      assert.throws(() => parseManifest(Buffer.from('{"schemaVersion":1}'), "", "m2"), /Docker schema 1, which berth does not read/);
      assert.throws(() => parseManifest(Buffer.from('{"mediaType":"text/plain","layers":[]}'), "", "m3"), /media type "text\/plain"/);
      const badDigest = { config: { digest: "md5:x", size: 1 }, layers: [] };
      assert.throws(() => parseManifest(Buffer.from(JSON.stringify(badDigest)), MEDIA.ociManifest, "m4"), /unsupported digest "md5:x"/);
      const noSize = { config: { digest: digest("a") }, layers: [] };
      assert.throws(() => parseManifest(Buffer.from(JSON.stringify(noSize)), MEDIA.ociManifest, "m5"), /not a descriptor with a "digest" and a "size"/);
    });

    it("selects the platform's entry, variants included", function () {
      const list = [
        entry("1", { os: "linux", architecture: "arm", variant: "v6" }),
        entry("2", { os: "linux", architecture: "arm", variant: "v7" }),
        entry("3", { os: "linux", architecture: "arm64" }),
        entry("4", { os: "windows", architecture: "amd64" }),
        entry("5", { os: "linux", architecture: "amd64" }),
      ];
      assert.equal(selectPlatform(list, parsePlatform("linux/amd64")).digest, digest("5"));
      assert.equal(selectPlatform(list, parsePlatform("linux/arm")).digest, digest("2"), "arm means arm/v7");
      assert.equal(selectPlatform(list, parsePlatform("linux/arm/v6")).digest, digest("1"));
      assert.equal(selectPlatform(list, parsePlatform("linux/arm64/v8")).digest, digest("3"), "an arm64 entry without variant is v8");
      assert.throws(() => selectPlatform(list, parsePlatform("linux/s390x")), /^EngineError: no matching manifest for linux\/s390x in the manifest list entries$/);
      assert.throws(() => selectPlatform(list, parsePlatform("linux/arm/v5")), /no matching manifest for linux\/arm\/v5/);
      assert.throws(() => parsePlatform("linux"), /invalid platform "linux": expected os\/arch\[\/variant\]/);
    });
  });

  it("parses WWW-Authenticate challenges", function () {
    assert.deepEqual(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"'), {
      scheme: "bearer",
      params: { realm: "https://auth.example/token", service: "registry.example", scope: "repository:a/b:pull" },
    });
    assert.deepEqual(parseChallenge('Basic realm="x \\"y\\""'), { scheme: "basic", params: { realm: 'x "y"' } });
  });

  describe("credentials", function () {
    it("decodes X-Registry-Auth, and treats an empty one as none", function () {
      const header = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
      assert.deepEqual(fromAuthHeader(header({ username: "u", password: "p?>" })), { username: "u", password: "p?>", registryToken: undefined });
      assert.deepEqual(fromAuthHeader(header({ auth: Buffer.from("u:p:q").toString("base64") })), { username: "u", password: "p:q", registryToken: undefined });
      assert.equal(fromAuthHeader(header({})), undefined);
      assert.equal(fromAuthHeader(undefined), undefined);
      assert.throws(() => fromAuthHeader("%%%"), /invalid X-Registry-Auth header/);
    });

    it("finds a registry's entry in config.json, Docker Hub's under its v1 URL", async function () {
      const dir = mkdtempSync(join(tmpdir(), "berth-docker-config-"));
      try {
        const auth = (text: string) => ({ auth: Buffer.from(text).toString("base64") });
        writeFileSync(join(dir, "config.json"), JSON.stringify({ auths: { "https://index.docker.io/v1/": auth("hub:1"), "127.0.0.1:5000": auth("local:2"), "https://r.example": auth("r:3") } }));
        const env = { DOCKER_CONFIG: dir };
        assert.deepEqual(await fromDockerConfig("docker.io", env), { username: "hub", password: "1" });
        assert.deepEqual(await fromDockerConfig("127.0.0.1:5000", env), { username: "local", password: "2" });
        assert.deepEqual(await fromDockerConfig("r.example", env), { username: "r", password: "3" });
        assert.equal(await fromDockerConfig("127.0.0.1:5001", env), undefined);
        assert.equal(await fromDockerConfig("docker.io", { DOCKER_CONFIG: join(dir, "none") }), undefined);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it("speaks plain HTTP only to loopback and insecure registries, and tries docker.io's mirrors first", function () {
    const config = { mirrors: ["http://127.0.0.1:5000/"], insecure: ["registry.lan:5000", "10.1.0.0/16"] };
    for (const host of ["localhost:5000", "127.0.0.1", "127.9.9.9:80", "[::1]:5000", "registry.lan:5000", "10.1.2.3:443"]) assert.ok(plainHttpAllowed(host, config), host);
    for (const host of ["registry.lan:5001", "10.2.0.1", "example.com", "128.0.0.1"]) assert.equal(plainHttpAllowed(host, config), false, host);
    assert.deepEqual(endpointsFor("docker.io", config), [
      { url: "http://127.0.0.1:5000", mirror: true },
      { url: "https://registry-1.docker.io", mirror: false },
    ]);
    assert.deepEqual(endpointsFor("ghcr.io", config), [{ url: "https://ghcr.io", mirror: false }]);
    assert.deepEqual(endpointsFor("localhost:5000", config), [{ url: "http://localhost:5000", mirror: false }]);
  });

  it("renders progress as dockerd does", function () {
    assert.equal(humanSize(1_048_576), "1.049MB");
    assert.equal(humanSize(999), "999B");
    assert.equal(progressBar(0, 100), `[${" ".repeat(50)}]       0B/100B`);
    assert.equal(progressBar(50, 100), `[${"=".repeat(24)}>${" ".repeat(25)}]      50B/100B`);
  });

  describe("blob verification", function () {
    const drain = () => new Writable({ write: (_chunk, _encoding, done) => done() });
    const data = Buffer.from("layer bytes");

    it("passes content of the listed size and digest, reporting progress", async function () {
      const seen: number[] = [];
      await pipeline(Readable.from([data.subarray(0, 5), data.subarray(5)]), new VerifyStream({ digest: sha256(data), size: data.length }, (n) => seen.push(n)), drain());
      assert.deepEqual(seen, [5, data.length]);
    });

    it("fails on other content, or more or fewer bytes, in dockerd's words", async function () {
      const verify = (descriptor: Descriptor, content: Buffer) => pipeline(Readable.from([content]), new VerifyStream(descriptor), drain());
      const expected = sha256(data);
      await assert.rejects(verify({ digest: expected, size: data.length }, Buffer.from("LAYER BYTES")), new RegExp(`^EngineError: filesystem layer verification failed for digest ${expected}: the content has digest ${sha256("LAYER BYTES")}$`));
      await assert.rejects(verify({ digest: expected, size: 4 }, data), /the registry sent more than the 4 bytes its manifest lists/);
      await assert.rejects(verify({ digest: expected, size: 100 }, data), /the registry sent 11 bytes, its manifest lists 100/);
    });
  });

  describe("daemon.json", function () {
    let root: string;
    beforeEach(() => (root = mkdtempSync(join(tmpdir(), "berth-daemon-json-"))));
    afterEach(() => rmSync(root, { recursive: true, force: true }));
    const write = (value: unknown) => writeFileSync(join(root, "daemon.json"), JSON.stringify(value));

    it("is optional, and gives the registry settings", function () {
      assert.deepEqual(readDaemonConfig(root).registry, { mirrors: [], insecure: [] });
      write({ "registry-mirrors": ["https://mirror.example/"], "insecure-registries": ["registry.lan:5000"] });
      assert.deepEqual(readDaemonConfig(root).registry, { mirrors: ["https://mirror.example"], insecure: ["registry.lan:5000"] });
    });

    it("refuses unknown keys and malformed values, naming the file", function () {
      const file = join(root, "daemon.json");
      write({ "registry-mirror": [] });
      assert.throws(() => readDaemonConfig(root), { message: `unable to configure the berth daemon with file ${file}: the following directives don't match any configuration option: registry-mirror` });
      write({ "registry-mirrors": ["ftp://m.example"] });
      assert.throws(() => readDaemonConfig(root), /invalid mirror: unsupported scheme "ftp" in "ftp:\/\/m.example"/);
      write({ "registry-mirrors": ["https://m.example/v2/"] });
      assert.throws(() => readDaemonConfig(root), /invalid mirror: path, query, credentials or fragment/);
      write({ "insecure-registries": ["http://r.lan"] });
      assert.throws(() => readDaemonConfig(root), /insecure registry http:\/\/r.lan should not contain ':\/\/'/);
      write({ "insecure-registries": "r.lan" });
      assert.throws(() => readDaemonConfig(root), /"insecure-registries" must be a list of strings/);
      writeFileSync(file, "{");
      assert.throws(() => readDaemonConfig(root), /unable to configure the berth daemon with file .*daemon.json: /);
    });
  });
});
