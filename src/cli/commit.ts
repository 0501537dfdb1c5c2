// `berth commit SERVICE [REPOSITORY[:TAG]]`, as `docker compose commit`: a new image from a service container's
// changes (the engine's POST /commit), with a progress line that ends with the new image's id.
import { UserError } from "../compose/errors.js";
import { engine } from "../engine/client.js";
import { engineCall } from "../orchestrate/engine-call.js";
import type { GlobalOptions } from "./options.js";
import { stderrProgress } from "./project-scope.js";
import { serviceContainer } from "./service-containers.js";

export interface CommitOptions {
  author?: string;
  change: string[];
  message?: string;
  pause: boolean;
  index?: string;
}

export async function commitCommand(globals: GlobalOptions, service: string, reference: string | undefined, options: CommitOptions): Promise<void> {
  if (reference?.includes("@")) throw new UserError(`refusing to create a tag with a digest reference: ${reference}`);
  const docker = await engine({ host: globals.host });
  const target = await serviceContainer(docker, globals, service, options.index, false);
  const renderer = await stderrProgress(globals.progress);
  const resource = `Container ${target.name}`;
  try {
    renderer.progress({ resource, text: "Committing", status: "working" });
    const { Id } = (await engineCall(() =>
      docker.getContainer(target.id).commit({
        ...(reference && { repo: reference }),
        ...(options.author !== undefined && { author: options.author }),
        ...(options.message !== undefined && { comment: options.message }),
        changes: options.change,
        pause: options.pause,
      }),
    )) as { Id: string };
    renderer.progress({ resource, text: `Committed as ${Id}`, status: "done" });
  } finally {
    await renderer.stop();
  }
}
