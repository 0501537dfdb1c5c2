// berthd as a TestEngine: an isolated daemon in its own test host namespace, with the busybox test image loaded.
import { loadBusybox, settledVeths, startEngine, stopEngine } from "../../integration/containers/helpers.js";
import type { TestEngine } from "./engine.js";

export async function startBerthdEngine(): Promise<TestEngine> {
  const engine = await startEngine();
  await loadBusybox(engine.docker);
  return {
    host: `unix://${engine.daemon.socket}`,
    docker: engine.docker,
    settledVeths: () => settledVeths(engine.root),
    stop: () => stopEngine(engine),
  };
}
