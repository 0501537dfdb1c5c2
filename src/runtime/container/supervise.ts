// What berthd does to containers on its own: healthchecks (health.ts) and restart policies (restart.ts), hooked
// into the container service and resumed for what berthd finds at its start.
import { HealthChecks } from "./health.js";
import type { ExecService } from "./exec.js";
import type { ContainerEvents, ContainerService } from "./lifecycle.js";
import { RestartPolicies } from "./restart.js";

/** Hooks both in, probes the running containers again and restarts those whose policy says so. */
export async function superviseContainers(containers: ContainerService, execs: ExecService, events: ContainerEvents): Promise<void> {
  const health = new HealthChecks(execs, events, (c) => containers.save(c));
  const restarts = new RestartPolicies(containers);
  containers.hooks = {
    started(c) {
      restarts.started(c);
      health.start(c);
    },
    signalled: (c, signal) => restarts.signalled(c, signal),
    pausing: (c) => health.stop(c),
    unpaused: (c) => health.resume(c),
    exited(c) {
      health.stop(c);
      restarts.exited(c);
    },
  };
  for (const c of containers.list()) if (c.record.State.Status === "running") health.resume(c);
  await restarts.resumeAfterBoot();
}
