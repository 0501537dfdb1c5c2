// Times pulling a multi-layer image from a local registry (Debian's docker-registry on 127.0.0.1) into berthd,
// side by side with `skopeo copy` of the same image to an OCI directory, both from berthd's test network
// namespace through the same loopback portal (see test/integration/registry/registry.ts). Each berthd run starts from an empty
// store (the image is removed between runs, so every blob is fetched, verified and unpacked again).
// Prints figures; asserts nothing. Needs root, docker-registry and skopeo. Run: npx tsx bench/registry-pull.ts [runs] [layers] [MB per layer]
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { removeRoot, startBerthd, tempRoot, testHostNetns } from "../test/integration/engine/berthd.js";
import { dockerSaveArchive, makeImage, makeTar } from "../test/integration/image/tars.js";
import { getManifest, openPortal, postStream, run, skopeoPush, startRegistry } from "../test/integration/registry/registry.js";

const runs = Number(process.argv[2] ?? 5);
const layerCount = Number(process.argv[3] ?? 4);
const layerMB = Number(process.argv[4] ?? 16);

const median = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;

const work = mkdtempSync(join(tmpdir(), "berth-bench-pull-"));
const registry = await startRegistry();
const root = tempRoot();
const daemon = await startBerthd(root);
const portal = await openPortal(root, [registry.port]);
try {
  // Random content: gzip cannot shrink it, so the bytes on the wire are the layer sizes.
  const layers = await Promise.all(Array.from({ length: layerCount }, (_, i) => makeTar([{ name: `layer${i}.bin`, content: randomBytes(layerMB * 1024 * 1024) }])));
  writeFileSync(join(work, "image.tar"), await dockerSaveArchive([{ image: makeImage(layers), tags: [] }]));
  skopeoPush(join(work, "image.tar"), registry, "bench:1");
  const manifest = await getManifest(registry, "bench", "1");
  const bytes = (manifest.json.layers as { size: number }[]).reduce((sum, layer) => sum + layer.size, 0);
  const image = `${registry.host}/bench:1`;
  const docker = new Docker({ socketPath: daemon.socket });

  const berth: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const { messages } = await postStream(daemon.socket, `/images/create?fromImage=${registry.host}/bench&tag=1`);
    berth.push(Number(process.hrtime.bigint() - start) / 1e6);
    const last = messages.at(-1);
    if (!last?.status?.startsWith("Status: Downloaded newer image")) throw new Error(`pull failed: ${JSON.stringify(last)}`);
    await docker.getImage(image).remove();
  }

  const skopeo: number[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = join(work, `oci-${i}`);
    const start = process.hrtime.bigint();
    // From berthd's network namespace, so that both go through the same portal to the registry.
    const r = await run("nsenter", [`--net=${testHostNetns(root)}`, "--", "skopeo", "copy", "--insecure-policy", "--src-tls-verify=false", `docker://${image}`, `oci:${dir}:1`], {});
    skopeo.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (r.status !== 0) throw new Error(`skopeo copy failed: ${r.stderr}`);
    rmSync(dir, { recursive: true, force: true });
  }

  const mb = bytes / 1e6;
  const line = (name: string, samples: number[]) =>
    `${name.padEnd(32)} median ${median(samples).toFixed(0).padStart(6)} ms  min ${Math.min(...samples).toFixed(0).padStart(6)} ms  ${(mb / (median(samples) / 1000)).toFixed(1).padStart(7)} MB/s`;
  console.log(`pull of ${layerCount} layers, ${mb.toFixed(1)} MB compressed, from docker-registry on 127.0.0.1; ${runs} runs each`);
  console.log(line("berthd POST /images/create", berth));
  console.log(line("skopeo copy to an OCI directory", skopeo));
  console.log("(berthd also verifies every layer's diff ID and unpacks it; skopeo only copies the blobs)");
} finally {
  await portal.stop();
  daemon.child.kill("SIGTERM");
  await daemon.exited;
  removeRoot(root);
  await registry.stop();
  rmSync(work, { recursive: true, force: true });
}
