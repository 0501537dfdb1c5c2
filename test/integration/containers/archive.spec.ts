// PUT /containers/{id}/archive before start (as compose copies secrets): files land in the container,
// symlinks resolve inside its root, nothing is written outside it; HEAD and GET read a stopped container
// back; noOverwriteDirNonDir. Running containers: archive-running.spec.ts.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { request } from "node:http";
import { Readable } from "node:stream";
import type Docker from "dockerode";
import { extract } from "tar-stream";
import { makeTar } from "../image/tars.js";
import { BUSYBOX, demux, useEngine, type Engine } from "./helpers.js";

describe("containers: copying files in with PUT archive (integration, root)", function () {
  this.timeout(60_000);
  let engine: Engine;
  let docker: Docker;
  useEngine((started) => {
    engine = started;
    docker = started.docker;
  });

  it("extracts into the container before start, resolving symlinks inside its root", async () => {
    const hostProbe = `/tmp/berth-archive-escape-${process.pid}`;
    const container = await docker.createContainer({
      Image: BUSYBOX, Cmd: ["sh", "-c", `cat /run/secrets/token; ls -ln /run/secrets/token | cut -c1-10; cat /tmp/berth-archive-escape-${process.pid}; readlink /app/up`],
    });
    await container.putArchive(await makeTar([
      { name: "/run/secrets/token", content: "s3cret\n", mode: 0o400, uid: 0, gid: 0 },
      { name: "app/", type: "directory" },
      { name: "app/up", type: "symlink", linkname: "/" },
    ]), { path: "/" });
    // Through app/up -> "/", the container's root is meant — never the host's.
    await container.putArchive(await makeTar([{ name: `up${hostProbe}`, content: "inside\n" }]), { path: "/app" });
    await assert.rejects(
      container.putArchive(await makeTar([{ name: "../../outside", content: "x" }]), { path: "/app" }),
      (err: { statusCode: number; message: string }) => err.statusCode === 400 && /paths must stay inside the target/.test(err.message),
    );
    await assert.rejects(container.putArchive(await makeTar([{ name: "x", content: "x" }]), { path: "/no/such/dir" }), (err: { statusCode: number }) => err.statusCode === 404);
    assert.equal(existsSync(hostProbe), false, "nothing was written on the host");

    await container.start();
    assert.equal((await container.wait()).StatusCode, 0);
    const { stdout } = await demux(docker, (await container.logs({ stdout: true, stderr: true, follow: true })) as unknown as NodeJS.ReadableStream);
    assert.equal(stdout, "s3cret\n-r--------\ninside\n/\n");

    // Stopped again, it can be read back: HEAD describes a path, GET packs it (resolved inside the root).
    const header = await new Promise<string>((resolve, reject) => {
      const path = `/containers/${container.id}/archive?path=${encodeURIComponent("/app/up/run/secrets/token")}`;
      request({ socketPath: engine.daemon.socket, method: "HEAD", path }, (res) => {
        res.resume();
        resolve(String(res.headers["x-docker-container-path-stat"]));
      }).once("error", reject).end();
    });
    const stat = JSON.parse(Buffer.from(header, "base64").toString());
    assert.deepEqual({ name: stat.name, size: stat.size, mode: stat.mode }, { name: "token", size: 7, mode: 0o400 });
    const files = new Map<string, string>();
    const entries = extract();
    Readable.from((await container.getArchive({ path: "/run" })) as unknown as AsyncIterable<Buffer>).pipe(entries);
    for await (const entry of entries) {
      let content = "";
      for await (const chunk of entry as unknown as AsyncIterable<Buffer>) content += chunk;
      files.set(`${entry.header.type} ${entry.header.name}`, content);
    }
    assert.deepEqual([...files], [["directory run", ""], ["directory run/secrets", ""], ["file run/secrets/token", "s3cret\n"]]);
    await assert.rejects(container.getArchive({ path: "/no/such" }), (err: { statusCode: number }) => err.statusCode === 404);
    await container.remove();
  });

  it("honours noOverwriteDirNonDir before start, and otherwise replaces a directory of the image with a file and back", async () => {
    const container = await docker.createContainer({ Image: BUSYBOX, Cmd: ["sh", "-c", "cat /home; [ -d /etc/passwd ] && echo dir; ls /bin | wc -l"] });
    const fileOverDir = await makeTar([{ name: "home", content: "a file now\n" }]);
    const dirOverFile = await makeTar([{ name: "passwd/", type: "directory" }]);
    await assert.rejects(
      container.putArchive(fileOverDir, { path: "/", noOverwriteDirNonDir: true }),
      (err: { statusCode: number; message: string }) => err.statusCode === 409 && /cannot overwrite directory "\/home" with non-directory/.test(err.message),
    );
    await assert.rejects(
      container.putArchive(dirOverFile, { path: "/etc", noOverwriteDirNonDir: true }),
      (err: { statusCode: number; message: string }) => err.statusCode === 409 && /cannot overwrite non-directory "\/etc\/passwd" with directory/.test(err.message),
    );
    await container.putArchive(fileOverDir, { path: "/" });
    await container.putArchive(dirOverFile, { path: "/etc" });
    await container.start();
    assert.equal((await container.wait()).StatusCode, 0);
    const { stdout } = await demux(docker, (await container.logs({ stdout: true, follow: true })) as unknown as NodeJS.ReadableStream);
    const [home, dir, applets] = stdout.split("\n");
    assert.deepEqual([home, dir], ["a file now", "dir"]);
    assert.ok(Number(applets) > 100, "the image's other directories are untouched");
    await container.remove();
  });
});
