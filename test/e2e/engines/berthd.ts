// berthd as a TestEngine: an isolated daemon in its own test host namespace, with the busybox test image loaded.
import { loadBusybox, startEngine, stopEngine } from "../../integration/containers/helpers.js";
import { vethsOnceSettled, type TestEngine } from "./engine.js";

export async function startBerthdEngine(): Promise<TestEngine> {
  const engine = await startEngine();
  await loadBusybox(engine.docker);
  return {
    host: `unix://${engine.daemon.socket}`,
    docker: engine.docker,
    settledVeths: () => vethsOnceSettled(engine.root),
    stop: () => stopEngine(engine),
  };
}
