// `berth exec SERVICE COMMAND...`: runs a command in a service's running container, with a TTY when standard
// input is a terminal (unless -T), and ends with the command's exit status.
import { UserError } from "../compose/errors.js";
import { engine } from "../engine/client.js";
import { engineCall } from "../orchestrate/engine-call.js";
import { session } from "../orchestrate/session.js";
import { ExitStatus } from "./exit-status.js";
import type { GlobalOptions } from "./options.js";
import { serviceContainer } from "./service-containers.js";

export interface ExecOptions {
  detach?: boolean;
  tty: boolean;
  env: string[];
  user?: string;
  workdir?: string;
  index?: string;
  privileged?: boolean;
}

export async function execCommand(globals: GlobalOptions, service: string, command: string[], options: ExecOptions): Promise<void> {
  if (command.length === 0) throw new UserError('exec needs a command to run: berth exec SERVICE COMMAND [ARGS...]');
  const docker = await engine({ host: globals.host });
  const target = await serviceContainer(docker, globals, service, options.index, true);
  const tty = options.tty && !options.detach && Boolean(process.stdin.isTTY);
  const exec = await engineCall(() =>
    docker.getContainer(target.id).exec({
      Cmd: command,
      AttachStdin: !options.detach,
      AttachStdout: !options.detach,
      AttachStderr: !options.detach,
      Tty: tty,
      Env: options.env,
      ...(options.user && { User: options.user }),
      ...(options.workdir && { WorkingDir: options.workdir }),
      Privileged: options.privileged ?? false,
    }),
  );
  if (options.detach) return void (await engineCall(() => exec.start({ Detach: true })));
  const connection = await engineCall(() => exec.start({ hijack: true, stdin: true, Tty: tty }));
  await session(docker, connection, { tty, stdin: true, resize: (size) => exec.resize(size) });
  const { ExitCode } = await engineCall(() => exec.inspect());
  if (ExitCode) throw new ExitStatus(ExitCode);
}
