// berth's command line: global options as Docker Compose has them, one module per command, loaded on demand.
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { createRequire } from "node:module";
import { UserError } from "../compose/errors.js";
import { EngineError } from "../runtime/image/errors.js";
import { PROGRESS_MODES } from "../orchestrate/progress.js";
import { ExitStatus } from "./exit-status.js";
import type { GlobalOptions } from "./options.js";

const { version } = createRequire(import.meta.url)("../../package.json") as { version: string };

const collect = (value: string, previous: string[]) => [...previous, value];

/** A boolean flag's explicit value (`--pause=false`), as Docker Compose's flags take one. */
function boolValue(value: string): boolean {
  if (/^(true|1)$/i.test(value)) return true;
  if (/^(false|0)$/i.test(value)) return false;
  throw new InvalidArgumentError("use true or false");
}

/** The command the last run of main ran ("up", "image ls"), for bin/berth.js's code cache; "" before one ran. */
let ran = "";
export const ranCommand = (): string => ran;

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
    .addOption(new Option("--progress <mode>", "how to show progress (auto: a task list on a terminal, else plain lines)").choices(PROGRESS_MODES).default("auto"))
    .enablePositionalOptions()
    .showHelpAfterError("(run berth --help for usage)")
    .exitOverride()
    .hook("preAction", (_, action) => {
      const names: string[] = [];
      for (let c: Command | null = action; c?.parent; c = c.parent) names.unshift(c.name());
      ran = names.join(" ");
    });

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
    .option("--attach <service>", "show only these services' output (repeatable)", collect, [])
    .addOption(literalNo("--no-attach <service>", "do not show this service's output (repeatable)"))
    .option("--abort-on-container-exit", "stop every container as soon as one exits")
    .option("--abort-on-container-failure", "stop every container as soon as one exits with a non-zero status")
    .option("--exit-code-from <service>", "exit with this service's exit status (implies --abort-on-container-exit)")
    .option("--timestamps", "show when each line of output was written")
    .option("--build", "build the images of services with a build section before starting them")
    .option("--no-build", "do not build images, even missing ones")
    .addOption(new Option("--pull <policy>", "pull images: always, missing or never (overrides pull_policy)").choices(["always", "missing", "never"]))
    .action(async (services: string[], options, command: Command) => (await import("./up.js")).upCommand(globals(command), services, options));

  cli
    .command("down")
    .description("stop and remove the project's containers and networks (found by their labels)")
    .option("-v, --volumes", "also remove the project's named volumes and the containers' anonymous volumes")
    .option("--remove-orphans", "also remove containers of services the compose file no longer has")
    .option("--rmi <type>", "also remove images: local (those built without an image: name) or all (every service's)")
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
    .command("logs")
    .description("show the output of the project's containers")
    .argument("[services...]", "only these services")
    .option("-f, --follow", "follow the output until the containers stop")
    .option("-n, --tail <lines>", 'number of lines from the end of each log, or "all"', "all")
    .option("-t, --timestamps", "show timestamps")
    .option("--since <time>", "only lines since this time (Unix seconds, RFC 3339 date, or a duration back from now: 10m)")
    .option("--until <time>", "only lines before this time (same forms as --since)")
    .option("--no-color", "no colours in the prefixes")
    .option("--no-log-prefix", "no `<service>-<n> |` prefix")
    .option("--index <n>", "only this replica of each service")
    .action(async (services: string[], options, command: Command) => (await import("./logs.js")).logsCommand(globals(command), services, options));

  cli
    .command("exec")
    .description("run a command in a service's running container")
    .argument("<service>")
    .argument("<command...>")
    .option("-d, --detach", "run the command in the background")
    .option("-T, --no-tty", "no pseudo-TTY (default: one when standard input is a terminal)")
    .option("-e, --env <KEY=VALUE>", "set an environment variable (repeatable)", collect, [])
    .option("-u, --user <user>", "run as this user")
    .option("-w, --workdir <dir>", "working directory of the command")
    .option("--index <n>", "which replica of the service (default 1)")
    .option("--privileged", "give the command extended privileges")
    .passThroughOptions()
    .action(async (service: string, args: string[], options, command: Command) => (await import("./exec.js")).execCommand(globals(command), service, args, options));

  cli
    .command("run")
    .description("run a one-off command in a new container of a service, after starting what it depends on")
    .argument("<service>")
    .argument("[command...]", "command (default: the service's)")
    .option("-d, --detach", "run in the background and print the container's name")
    .option("--rm", "remove the container when it exits")
    .option("-e, --env <KEY=VALUE>", "set an environment variable (repeatable)", collect, [])
    .option("--entrypoint <entrypoint>", "override the image's entrypoint")
    .option("-T, --no-tty", "no pseudo-TTY (default: one when standard input is a terminal)")
    .option("--no-deps", "do not start the services it depends on")
    .option("--service-ports", "publish the service's ports (a one-off publishes none by default)")
    .option("--name <name>", "name of the container (default: <project>-<service>-run-<id>)")
    .option("-u, --user <user>", "run as this user")
    .option("-w, --workdir <dir>", "working directory")
    .passThroughOptions()
    .action(async (service: string, args: string[], options, command: Command) => (await import("./run.js")).runCommand(globals(command), service, args, options));

  cli
    .command("create")
    .description("create the project's containers without starting them")
    .argument("[services...]", "only these services (and what they depend on)")
    .option("--force-recreate", "recreate containers even if nothing changed")
    .option("--no-recreate", "do not recreate containers that exist, even if they changed")
    .option("--remove-orphans", "remove containers of services the compose file no longer has")
    .option("--scale <service=n>", "create n containers of a service (repeatable; overrides scale and deploy.replicas)", collect, [])
    .option("--build", "build the images of services with a build section before creating the containers")
    .option("--no-build", "do not build images, even missing ones")
    .addOption(new Option("--pull <policy>", "pull images: always, missing or never (overrides pull_policy)").choices(["always", "missing", "never"]))
    .action(async (services: string[], options, command: Command) => (await import("./create.js")).createCommand(globals(command), services, options));

  cli
    .command("build")
    .description("build the images of the services that have a build section, on the engine")
    .argument("[services...]", "only these services")
    .option("--no-cache", "run every step, using no cached result")
    .option("--pull", "always pull the base images, even those the engine has")
    .option("--build-arg <name=value>", "set a build arg (repeatable; NAME alone takes it from the environment)", collect, [])
    .option("-q, --quiet", "print nothing but errors")
    .action(async (services: string[], options, command: Command) =>
      (await import("./build.js")).buildCommand(globals(command), services, { ...options, noCache: options.cache === false }),
    );

  cli
    .command("pull")
    .description("pull the services' images from their registries")
    .argument("[services...]", "only these services")
    .option("-q, --quiet", "pull without showing progress")
    .option("--ignore-pull-failures", "pull what can be pulled, only warn about the rest")
    .option("--ignore-buildable", "skip services that have a build section")
    .option("--include-deps", "also pull the images of the services the named ones depend on")
    .addOption(new Option("--policy <policy>", "missing: only images the engine lacks; always: every one (overrides pull_policy)").choices(["missing", "always"]))
    .action(async (services: string[], options, command: Command) => (await import("./pull.js")).pullCommand(globals(command), services, options));
  cli
    .command("push")
    .description("push the images the services build to their registries (services with build and image)")
    .argument("[services...]", "only these services")
    .option("-q, --quiet", "push without showing progress")
    .option("--ignore-push-failures", "push what can be pushed, only warn about the rest")
    .option("--include-deps", "also push the images of the services the named ones depend on")
    .action(async (services: string[], options, command: Command) => (await import("./pull.js")).pushCommand(globals(command), services, options));

  const lifecycle = (name: string, description: string) => cli.command(name).description(description).argument("[services...]", "only these services");
  lifecycle("start", "start the project's stopped containers, dependencies first").action(async (services: string[], _options, command: Command) =>
    (await import("./lifecycle.js")).startCommand(globals(command), services),
  );
  lifecycle("stop", "stop the project's running containers, dependents first")
    .option("-t, --timeout <seconds>", "seconds each container gets to stop before it is killed")
    .action(async (services: string[], options, command: Command) => (await import("./lifecycle.js")).stopCommand(globals(command), services, options));
  lifecycle("restart", "restart the project's containers")
    .option("-t, --timeout <seconds>", "seconds each container gets to stop before it is killed")
    .option("--no-deps", "do not restart the services the named ones depend on")
    .action(async (services: string[], options, command: Command) => (await import("./lifecycle.js")).restartCommand(globals(command), services, options));
  lifecycle("kill", "send a signal to the project's running containers")
    .option("-s, --signal <signal>", "signal to send", "SIGKILL")
    .action(async (services: string[], options, command: Command) => (await import("./lifecycle.js")).killCommand(globals(command), services, options));
  lifecycle("pause", "pause the project's running containers").action(async (services: string[], _options, command: Command) =>
    (await import("./lifecycle.js")).pauseCommand(globals(command), services),
  );
  lifecycle("unpause", "unpause the project's paused containers").action(async (services: string[], _options, command: Command) =>
    (await import("./lifecycle.js")).unpauseCommand(globals(command), services),
  );
  lifecycle("rm", "remove the project's stopped containers")
    .option("-f, --force", "do not ask for confirmation")
    .option("-s, --stop", "stop running containers first")
    .option("-v, --volumes", "also remove the containers' anonymous volumes")
    .action(async (services: string[], options, command: Command) => (await import("./lifecycle.js")).rmCommand(globals(command), services, options));
  lifecycle("wait", "wait until the services' containers stop; exit with the first one's exit code")
    .option("--down-project", "take the project down once they have")
    .action(async (services: string[], options, command: Command) => (await import("./lifecycle.js")).waitCommand(globals(command), services, options));
  lifecycle("top", "show the processes of the project's running containers").action(async (services: string[], _options, command: Command) =>
    (await import("./project-info.js")).topCommand(globals(command), services),
  );
  lifecycle("images", "list the images the project's containers use")
    .option("-q, --quiet", "only image IDs")
    .addOption(new Option("--format <format>", "output format").choices(["table", "json"]).default("table"))
    .action(async (services: string[], options, command: Command) => (await import("./project-info.js")).imagesCommand(globals(command), services, options));
  lifecycle("events", "stream the project's container events")
    .option("--json", "one JSON object per event")
    .action(async (services: string[], options, command: Command) => (await import("./events.js")).eventsCommand(globals(command), services, options));

  cli
    .command("port")
    .description("print the host address a container port is published on")
    .argument("<service>")
    .argument("<private_port>")
    .addOption(new Option("--protocol <protocol>", "tcp or udp").choices(["tcp", "udp"]).default("tcp"))
    .option("--index <n>", "which replica of the service (default 1)")
    .action(async (service: string, port: string, options, command: Command) => (await import("./project-info.js")).portCommand(globals(command), service, port, options));

  cli
    .command("cp")
    .description("copy files between a service's container and the host (SERVICE:SRC DEST, or SRC SERVICE:DEST)")
    .argument("<source>")
    .argument("<destination>")
    .option("--index <n>", "which replica of the service (default 1)")
    .option("-a, --archive", "keep the owners the files have (default: the copying user on the host)")
    .action(async (source: string, destination: string, options, command: Command) => (await import("./cp.js")).cpCommand(globals(command), source, destination, options));

  cli
    .command("commit")
    .description("create a new image from a service container's changes")
    .argument("<service>")
    .argument("[repository]", "REPOSITORY[:TAG] to tag the image with")
    .option("-a, --author <author>", 'author (e.g. "John Hannibal Smith <hannibal@a-team.com>")')
    .option("-c, --change <instruction>", "apply a Dockerfile instruction to the image (repeatable): CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ...", collect, [])
    .option("-m, --message <message>", "commit message")
    // As Docker's -p/--pause: -p alone never takes the next word (`commit -p web`); --pause takes true or false.
    .option("-p", "pause the container during the commit (the default)")
    .option("--pause <bool>", "pause the container during the commit: true (default) or false", boolValue)
    .option("--no-pause", "do not pause it")
    .option("--index <n>", "which replica of the service (default 1)")
    .action(async (service: string, reference: string | undefined, options, command: Command) =>
      (await import("./commit.js")).commitCommand(globals(command), service, reference, { ...options, pause: options.pause ?? true }),
    );

  cli
    .command("ls")
    .description("list the projects on the engine (from their containers' labels)")
    .option("-a, --all", "also projects with no running container")
    .option("-q, --quiet", "only project names")
    .option("--filter <filter>", "only projects whose name matches: name=PATTERN (a regular expression; repeatable)", collect, [])
    .addOption(new Option("--format <format>", "output format").choices(["table", "json"]).default("table"))
    .action(async (options, command: Command) => (await import("./ls.js")).lsCommand(globals(command), options));

  cli
    .command("login")
    .description("log in to a registry (default: Docker Hub); the credentials go to the Docker CLI's config.json")
    .argument("[server]", "registry host[:port]")
    .option("-u, --username <username>", "username")
    .option("-p, --password <password>", "password (insecure: prefer --password-stdin)")
    .option("--password-stdin", "read the password from standard input")
    .action(async (server: string | undefined, options, command: Command) => (await import("./login.js")).loginCommand(globals(command), server, options));
  cli
    .command("logout")
    .description("remove a registry's credentials from the Docker CLI's config.json (default: Docker Hub)")
    .argument("[server]", "registry host[:port]")
    .action(async (server: string | undefined) => (await import("./login.js")).logoutCommand(server));

  cli
    .command("version")
    .description("print berth's version")
    .option("--short", "only the number")
    .action((options: { short?: boolean }) => void process.stdout.write(options.short ? `${version}\n` : `berth version ${version}\n`));

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
    // An engine error raised in the CLI itself (a bad config.json, an invalid reference) is the user's, as berthd says it.
    if (err instanceof UserError || err instanceof EngineError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    process.stderr.write(`berth: internal error (please report it): ${err instanceof Error ? err.stack : String(err)}\n`);
    return 2;
  }
}

/** A repeatable `--no-NAME <value>` option that takes values, not commander's negation of `--NAME`. */
function literalNo(flags: string, description: string): Option {
  const option = new Option(flags, description).argParser(collect).default([]);
  option.negate = false;
  return option;
}
