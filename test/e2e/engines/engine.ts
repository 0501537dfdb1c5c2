// What the shared e2e suites need of an engine under test (berthd or a real dockerd): where its API is, a client,
// a look into its host network namespace, and a stop that asserts the engine left nothing behind.
import type Docker from "dockerode";

export interface TestEngine {
  /** The API address for berth's -H/--host. */
  host: string;
  docker: Docker;
  /**
   * The veths in the namespace the engine takes for its host, once the deletes under way are done (a container's
   * removal may return before the kernel has deleted its endpoint's veth).
   */
  settledVeths(): Promise<string[]>;
  /** Stops the engine and asserts that nothing of it is left (processes, mounts, cgroups, namespaces, files). */
  stop(): Promise<void>;
}

