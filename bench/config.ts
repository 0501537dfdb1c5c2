// Times whole `berth config` processes on a generated 200-service project with 3 override files, and
// `berth --version`. Prints figures; asserts nothing. Run: npx tsx bench/config.ts [runs]
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { stringify } from "yaml";

const SERVICES = 200;
const runs = Number(process.argv[2] ?? 15);
const berth = resolve(import.meta.dirname, "../bin/berth.js");

function generate(dir: string): string[] {
  const services: Record<string, unknown> = {};
  for (let i = 0; i < SERVICES; i++) {
    services[`svc${i}`] = {
      image: `registry.example/app${i % 7}:\${TAG:-latest}`,
      command: ["node", "server.js", `--port=${3000 + i}`],
      ports: [`${10000 + i}:80`],
      environment: { INDEX: String(i), SHARED: "${SHARED:-x}" },
      volumes: [`./data/${i}:/data`, `cache${i % 10}:/cache`],
      depends_on: i > 0 ? { [`svc${Math.floor((i - 1) / 2)}`]: { condition: "service_started" } } : undefined,
      healthcheck: { test: ["CMD", "true"], interval: "10s", retries: 3 },
      labels: [`tier=${i % 3}`],
    };
  }
  const volumes = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`cache${i}`, {}]));
  const files = [{ name: "bench", services, volumes }];
  for (let o = 1; o <= 3; o++) {
    const over: Record<string, unknown> = {};
    for (let i = o; i < SERVICES; i += 3) over[`svc${i}`] = { environment: [`OVERRIDE${o}=yes`], labels: { [`layer${o}`]: "1" } };
    files.push({ name: "bench", services: over, volumes: {} });
  }
  return files.map((content, i) => {
    const path = join(dir, i === 0 ? "compose.yaml" : `override${i}.yaml`);
    writeFileSync(path, stringify(content));
    return path;
  });
}

/** Wall time of whole `node ARGS` processes. */
function time(args: string[], env: NodeJS.ProcessEnv): { median: number; min: number } {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const run = spawnSync(process.execPath, args, { env, encoding: "utf8" });
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (run.status !== 0) throw new Error(`node ${args.join(" ")} failed: ${run.stderr}`);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(samples.length / 2)]!, min: samples[0]! };
}

const dir = mkdtempSync(join(tmpdir(), "berth-bench-"));
try {
  const files = generate(dir);
  const config = ["--", berth, "--project-directory", dir, ...files.flatMap((f) => ["-f", f]), "config", "--format", "json"];
  // NODE_EXTRA_CA_CERTS (set on this machine) makes every node process parse a CA bundle at start-up (~80 ms).
  const plain = { ...process.env };
  delete plain.NODE_EXTRA_CA_CERTS;
  for (const [label, env] of [["environment as is", process.env], ["without NODE_EXTRA_CA_CERTS", plain]] as const) {
    const bare = time(["-e", "0"], env);
    const version = time(["--", berth, "--version"], env);
    const cfg = time(config, env);
    console.log(`${label}:`);
    console.log(`  node -e 0 (no berth, for scale)      median ${bare.median.toFixed(1)} ms  min ${bare.min.toFixed(1)} ms`);
    console.log(`  berth --version                      median ${version.median.toFixed(1)} ms  min ${version.min.toFixed(1)} ms  (${runs} runs)`);
    console.log(`  berth config (${SERVICES} services, 3 overrides)  median ${cfg.median.toFixed(1)} ms  min ${cfg.min.toFixed(1)} ms  (${runs} runs)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
