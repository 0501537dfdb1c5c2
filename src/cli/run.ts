// `berth run SERVICE [COMMAND...]`: a one-off container of a service (docker compose run), after the services
// it depends on are up; attached to this terminal (a TTY when standard input is one, unless -T), ending with
// the container's exit status; --rm removes it afterwards.
import type { Duplex } from "node:stream";
import { engine } from "../engine/client.js";
import { engineCall, tolerating } from "../orchestrate/engine-call.js";
import { oneOffRequest, prepareOneOff } from "../orchestrate/one-off.js";
import { session } from "../orchestrate/session.js";
import { ExitStatus } from "./exit-status.js";
import { load, type GlobalOptions } from "./options.js";
import { BERTH_VERSION, stderrProgress } from "./project-scope.js";

export interface RunOptions {
  detach?: boolean;
  rm?: boolean;
  env: string[];
  entrypoint?: string;
  tty: boolean;
  deps: boolean;
  servicePorts?: boolean;
  name?: string;
  user?: string;
  workdir?: string;
}

export async function runCommand(globals: GlobalOptions, service: string, command: string[], options: RunOptions): Promise<void> {
  const loaded = load(globals, [service]);
  loaded.graph.closure([service]); // an unknown service is an error
  const docker = await engine({ host: globals.host });
  const renderer = await stderrProgress(globals.progress);
  const { desired, service: target } = await prepareOneOff({ docker, loaded, service, noDeps: !options.deps, progress: renderer.progress, version: BERTH_VERSION }).finally(() =>
    renderer.stop(),
  );
  const tty = options.tty && !options.detach && Boolean(process.stdin.isTTY);
  const { name, ...request } = await engineCall(() =>
    oneOffRequest(
      docker,
      desired,
      target,
      {
        command,
        entrypoint: options.entrypoint === undefined ? undefined : options.entrypoint === "" ? [""] : [options.entrypoint],
        env: options.env,
        tty,
        interactive: !options.detach,
        servicePorts: options.servicePorts,
        user: options.user,
        workdir: options.workdir,
        autoRemove: options.detach && options.rm,
        name: options.name,
      },
      BERTH_VERSION,
    ),
  );
  const container = await engineCall(() => docker.createContainer({ name, ...request }));
  if (options.detach) {
    await engineCall(() => container.start());
    return void process.stdout.write(`${name}\n`);
  }
  try {
    const connection = await engineCall(() => container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true }));
    await engineCall(() => container.start());
    await session(docker, connection as Duplex, { tty, stdin: true, resize: (size) => container.resize(size) });
    // the output ends as the container exits
    const { StatusCode } = await engineCall(() => container.wait());
    if (StatusCode) throw new ExitStatus(StatusCode);
  } finally {
    if (options.rm) await tolerating([404], () => container.remove({ force: true }));
  }
}
