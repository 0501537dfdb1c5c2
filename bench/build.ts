// Dockerfile builds through POST /build on an isolated berthd (run from source, as the integration tests run it):
// a first build, a fully cached rebuild, and a rebuild after one COPY source changed (the steps from that COPY on
// run again). Prints figures; asserts nothing. Run: npx tsx bench/build.ts [runs]
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import type Docker from "dockerode";
import { loadBusybox, startEngine, stopEngine } from "../test/integration/containers/helpers.js";

const runs = Number(process.argv[2] ?? 10);
const FILES = 200;

async function build(docker: Docker, dir: string): Promise<{ ms: number; cached: number }> {
  const start = process.hrtime.bigint();
  const tar = execFileSync("tar", ["-C", dir, "-c", "."]);
  const stream = await docker.buildImage(Readable.from([tar]) as unknown as NodeJS.ReadableStream, { t: "bench:build" });
  let output = "";
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (err) => (err ? reject(err) : resolve()), (m: { stream?: string; error?: string }) => {
      if (m.error) reject(new Error(m.error));
      output += m.stream ?? "";
    }),
  );
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, cached: (output.match(/Using cache/g) ?? []).length };
}

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  return `median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms  min ${sorted[0]!.toFixed(1)} ms  (${samples.length} runs)`;
}

const engine = await startEngine();
const dir = mkdtempSync(join(tmpdir(), "berth-bench-build-"));
try {
  await loadBusybox(engine.docker);
  mkdirSync(join(dir, "src"));
  for (let i = 0; i < FILES; i++) writeFileSync(join(dir, "src", `file${i}.txt`), `content ${i}\n`.repeat(50));
  writeFileSync(join(dir, "app.conf"), "version=0\n");
  writeFileSync(
    join(dir, "Dockerfile"),
    ["FROM busybox:latest", "ENV APP=/app", "WORKDIR /app", "COPY src/ src/", "RUN cat src/* | wc -l > lines", "COPY app.conf .", "RUN cat app.conf lines > summary", 'CMD ["cat", "summary"]'].join("\n"),
  );
  const first = await build(engine.docker, dir);
  console.log(`first build (8 steps, ${FILES} files copied, 2 RUNs): ${first.ms.toFixed(1)} ms`);
  const cached: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await build(engine.docker, dir);
    if (r.cached !== 7) throw new Error(`expected 7 cached steps, got ${r.cached}`);
    cached.push(r.ms);
  }
  console.log(`fully cached rebuild: ${summary(cached)}`);
  const changed: number[] = [];
  for (let i = 1; i <= runs; i++) {
    writeFileSync(join(dir, "app.conf"), `version=${i}\n`);
    const r = await build(engine.docker, dir);
    if (r.cached !== 4) throw new Error(`expected 4 cached steps, got ${r.cached}`);
    changed.push(r.ms);
  }
  console.log(`rebuild after one file change (COPY, RUN and CMD run again): ${summary(changed)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
  await stopEngine(engine);
}
