// berth's command line: global options as Docker Compose has them, one module per command, loaded on demand.
import { Command, CommanderError, Option } from "commander";
import { createRequire } from "node:module";
import { UserError } from "../compose/errors.js";
import { ExitStatus } from "./exit-status.js";
import type { GlobalOptions } from "./options.js";

const { version } = createRequire(import.meta.url)("../../package.json") as { version: string };

const collect = (value: string, previous: string[]) => [...previous, value];

function program(): Command {
  const cli = new Command("berth")
    .description("Compose-style multi-container orchestrator with its own container runtime")
    .version(version, "-v, --version", "print the version and exit")
    .option("-f, --file <path>", "compose file (repeatable; - for standard input)", collect, [])
    .option("-p, --project-name <name>", "project name")
    .option("--project-directory <dir>", "project directory (default: the first compose file's directory)")
    .option("--env-file <path>", "file of variables for interpolation (repeatable; default: .env)", collect, [])
    .option("--profile <name>", "enable a profile (repeatable)", collect, [])
    .option("-H, --host <url>", "engine to drive instead of berthd (unix:///path or tcp://127.0.0.1:PORT; default: $BERTH_HOST)")
    .enablePositionalOptions()
    .showHelpAfterError("(run berth --help for usage)")
    .exitOverride();

  cli
    .command("config")
    .description("validate the project and print its canonical form (like docker compose config)")
    .argument("[services...]", "only these services (and their profiles)")
    .addOption(new Option("--format <format>", "output format").choices(["yaml", "json"]).default("yaml"))
    .option("-q, --quiet", "only validate, print nothing")
    .option("--services", "print the service names")
    .option("--volumes", "print the volume names")
    .option("--networks", "print the network names")
    .option("--profiles", "print the profile names")
    .option("--images", "print the image names")
    .option("--hash <service>", "print the config hash of a service (or '*' for all)")
    .option("--no-interpolate", "do not interpolate variables")
    .option("-o, --output <file>", "write the output to a file instead of standard output")
    .action(async (services: string[], options, command: Command) => {
      const { configCommand } = await import("./config.js");
      await configCommand(globals(command), services, options);
    });

  cli
    .command("graph")
    .description("print the service dependency graph (Mermaid, or Graphviz DOT)")
    .argument("[services...]", "only these services and what they depend on")
    .addOption(new Option("--format <format>", "output format").choices(["mermaid", "dot"]).default("mermaid"))
    .action(async (services: string[], options, command: Command) => {
      const { graphCommand } = await import("./graph.js");
      await graphCommand(globals(command), services, options);
    });

  const image = cli.command("image").description("manage the engine's local images");
  image
    .command("ls")
    .description("list images")
    .option("-q, --quiet", "only image IDs")
    .action(async (options, command: Command) => (await import("./image.js")).imageList(globals(command.parent!), options));
  image
    .command("load")
    .description("load images from a docker-save or OCI archive")
    .option("-i, --input <file>", "read the archive from a file instead of standard input")
    .action(async (options, command: Command) => (await import("./image.js")).imageLoad(globals(command.parent!), options));
  image
    .command("pull")
    .description("pull an image from a registry")
    .argument("<image>", "NAME[:TAG|@DIGEST]")
    .option("--platform <platform>", "os/arch[/variant] to pull from a multi-platform image (default: this machine's)")
    .option("-q, --quiet", "print only the image name")
    .action(async (name: string, options, command: Command) => (await import("./image.js")).imagePull(globals(command.parent!), name, options));
  image
    .command("push")
    .description("push an image to a registry")
    .argument("<image>", "NAME[:TAG]")
    .option("-q, --quiet", "print only the image name")
    .action(async (name: string, options, command: Command) => (await import("./image.js")).imagePush(globals(command.parent!), name, options));
  image
    .command("save")
    .description("write images to a docker-save archive")
    .argument("<images...>")
    .option("-o, --output <file>", "write to a file instead of standard output")
    .action(async (names: string[], options, command: Command) => (await import("./image.js")).imageSave(globals(command.parent!), names, options));
  image
    .command("rm")
    .description("remove images")
    .argument("<images...>")
    .option("-f, --force", "untag an image that containers still use")
    .action(async (names: string[], options, command: Command) => (await import("./image.js")).imageRemove(globals(command.parent!), names, options));
  image
    .command("inspect")
    .description("show images' details as JSON")
    .argument("<images...>")
    .action(async (names: string[], _options, command: Command) => (await import("./image.js")).imageInspect(globals(command.parent!), names));

  cli
    .command("up")
    .description("create and start the project's containers, recreating only what changed")
    .argument("[services...]", "only these services (and what they depend on)")
    .option("-d, --detach", "run in the background (without it, up shows the containers' output until they exit)")
    .option("--dry-run", "print the plan, change nothing")
    .option("--wait", "wait until every service runs, or is healthy when it has a healthcheck (implies -d)")
    .option("--wait-timeout <seconds>", "give up waiting after this long")
    .option("--force-recreate", "recreate containers even if nothing changed")
    .option("--no-recreate", "do not recreate containers that exist, even if they changed")
    .option("--no-deps", "do not start the services the named ones depend on")
    .option("--remove-orphans", "remove containers of services the compose file no longer has")
    .option("--scale <service=n>", "run n containers of a service (repeatable; overrides scale and deploy.replicas)", collect, [])
    .option("--no-start", "create the containers, do not start them")
    .option("-t, --timeout <seconds>", "seconds a container being replaced gets to stop")
    .option("--parallel <n>", "at most n engine operations at once (default: $COMPOSE_PARALLEL_LIMIT, else unlimited)")
    .action(async (services: string[], options, command: Command) => (await import("./up.js")).upCommand(globals(command), services, options));

  cli
    .command("down")
    .description("stop and remove the project's containers and networks (found by their labels)")
    .option("-v, --volumes", "also remove the project's named volumes and the containers' anonymous volumes")
    .option("--remove-orphans", "also remove containers of services the compose file no longer has")
    .option("-t, --timeout <seconds>", "seconds each container gets to stop before it is killed")
    .option("--parallel <n>", "at most n engine operations at once (default: $COMPOSE_PARALLEL_LIMIT, else unlimited)")
    .action(async (options, command: Command) => (await import("./down.js")).downCommand(globals(command), options));

  cli
    .command("ps")
    .description("list the project's containers")
    .argument("[services...]", "only these services")
    .option("-a, --all", "also stopped containers")
    .option("-q, --quiet", "only container IDs")
    .option("--services", "only service names")
    .option("--status <status>", "only containers in this state (repeatable)", collect, [])
    .addOption(new Option("--format <format>", "output format").choices(["table", "json"]).default("table"))
    .action(async (services: string[], options, command: Command) => (await import("./ps.js")).psCommand(globals(command), services, options));

  cli
    .command("daemon")
    .description("run berthd, the engine serving the Docker Engine API, in the foreground")
    .option("-H, --host <url>", "listen here instead of the root's socket (repeatable): unix:///path or tcp://127.0.0.1:PORT", collect, [])
    .option("--root <dir>", "state directory (default: $BERTH_ROOT, else /var/lib/berth)")
    .action(async (options) => {
      const { daemonCommand } = await import("./daemon.js");
      await daemonCommand(options);
    });

  return cli;
}

function globals(command: Command): GlobalOptions {
  return command.parent!.opts<GlobalOptions>();
}

/** Runs the CLI and returns the exit status: 0 ok, 1 a user error (message only), 2 an internal error (with stack). */
export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 1; // commander has printed it already
    if (err instanceof ExitStatus) return err.status;
    if (err instanceof UserError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    process.stderr.write(`berth: internal error (please report it): ${err instanceof Error ? err.stack : String(err)}\n`);
    return 2;
  }
}
