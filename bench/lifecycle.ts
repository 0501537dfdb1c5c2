// Bench helper: one create→start→exit→delete of `true` on berth/host through the API, as bench/containers.ts and
// bench/compare.ts time it.
import type Docker from "dockerode";

/** The rounds compare.ts knows besides the stacks: the default bridge, and no network (the bridge's share is the difference). */
export const LIFECYCLES: Record<string, Docker.HostConfig> = { lifecycle: {}, "lifecycle-none": { NetworkMode: "none" } };

/** Milliseconds of one round; throws when `true` does not exit 0. */
export async function lifecycleRound(docker: Docker, hostConfig: Docker.HostConfig = {}): Promise<number> {
  const start = process.hrtime.bigint();
  const container = await docker.createContainer({ Image: "berth/host", Cmd: ["true"], HostConfig: hostConfig });
  const exited = container.wait({ condition: "next-exit" });
  await container.start();
  const { StatusCode } = await exited;
  await container.remove();
  if (StatusCode !== 0) throw new Error(`true exited with ${StatusCode}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}
