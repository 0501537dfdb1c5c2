// A service's secrets and configs, given to its container as Docker Compose does (pkg/compose/secrets.go,
// create.go): a `file` source is bind-mounted read-only at the target; `content`, `environment`, and a file
// with uid, gid or mode (which a bind mount cannot change) are written into the container as a one-file tar
// through PUT /containers/{id}/archive before it starts. Targets: /run/secrets/<name> for secrets (a relative
// target under /run/secrets), /<name> for configs.
import { readFileSync } from "node:fs";
import { posix } from "node:path";
import { pack } from "tar-stream";
import type Docker from "dockerode";
import { UserError } from "../compose/errors.js";
import type { FileObjectDefinition, Project, Service, ServiceFileMount } from "../compose/model.js";

type Kind = "secret" | "config";

export interface FileObject {
  kind: Kind;
  /** the top-level key */
  key: string;
  definition: FileObjectDefinition;
  /** absolute path in the container */
  target: string;
  mount: ServiceFileMount;
}

/** A bind mount in the create request's Mounts. */
export interface FileBind {
  Type: "bind";
  Source: string;
  Target: string;
  ReadOnly: true;
}

export function fileObjects(service: Service, project: Project): FileObject[] {
  const each = (kind: Kind, mounts: ServiceFileMount[] | undefined, definitions: Record<string, FileObjectDefinition>) =>
    (mounts ?? []).map((mount): FileObject => {
      const definition = definitions[mount.source];
      if (!definition) throw new UserError(`service uses undefined ${kind} "${mount.source}"`);
      if (definition.external) throw new UserError(`unsupported external ${kind} ${definition.name}`);
      if (definition.driver) throw new UserError(`${kind}s.${mount.source}.driver is not supported outside Swarm mode`);
      return { kind, key: mount.source, definition, target: target(kind, mount), mount };
    });
  return [...each("secret", service.secrets, project.secrets ?? {}), ...each("config", service.configs, project.configs ?? {})];
}

function target(kind: Kind, mount: ServiceFileMount): string {
  const base = kind === "secret" ? "/run/secrets" : "/";
  const name = mount.target ?? mount.source;
  return posix.isAbsolute(name) ? posix.normalize(name) : posix.join(base, name);
}

/** Whether the object is bind-mounted (a plain file) rather than copied in. */
const bound = (o: FileObject) => o.definition.file !== undefined && o.mount.uid === undefined && o.mount.gid === undefined && o.mount.mode === undefined;

export function fileBinds(objects: FileObject[]): FileBind[] {
  return objects.filter(bound).map((o) => ({ Type: "bind", Source: o.definition.file!, Target: o.target, ReadOnly: true }));
}

/**
 * Writes the copied objects into the (created, not yet started) container. The tar headers carry uid, gid and
 * mode (0444 unless given, as compose), and copyUIDGID stays off so the engine keeps them.
 */
export async function injectFileObjects(container: Docker.Container, objects: FileObject[]): Promise<void> {
  const copied = objects.filter((o) => !bound(o));
  if (copied.length === 0) return;
  const tar = pack();
  for (const o of copied) {
    const content = contentOf(o);
    tar.entry({
      name: o.target.slice(1),
      size: content.length,
      mode: o.mount.mode ?? 0o444,
      uid: id(o.mount.uid, "uid", o),
      gid: id(o.mount.gid, "gid", o),
      mtime: new Date(),
    }, content);
  }
  tar.finalize();
  await container.putArchive(tar as unknown as NodeJS.ReadableStream, { path: "/" });
}

/** `environment` sources got their value as content when the project was read (withEnvironmentContent). */
function contentOf(o: FileObject): Buffer {
  const { definition } = o;
  if (definition.content !== undefined) return Buffer.from(definition.content);
  if (definition.environment !== undefined) {
    throw new UserError(`environment variable "${definition.environment}" required by ${o.kind} "${definition.name}" is not set`);
  }
  return readFileSync(definition.file!);
}

/** The project with each `environment` secret or config's value as its content, where the variable is set. */
export function withEnvironmentContent(project: Project, lookup: (name: string) => string | undefined): Project {
  const resolve = (definitions: Record<string, FileObjectDefinition> | undefined) =>
    Object.fromEntries(
      Object.entries(definitions ?? {}).map(([key, d]) => {
        const value = d.environment !== undefined && d.content === undefined ? lookup(d.environment) : undefined;
        return [key, value === undefined ? d : { ...d, content: value }];
      }),
    );
  return { ...project, secrets: resolve(project.secrets), configs: resolve(project.configs) };
}

function id(value: string | undefined, what: string, o: FileObject): number {
  if (value === undefined) return 0;
  if (!/^\d+$/.test(value)) throw new UserError(`invalid ${what} "${value}" for ${o.kind} "${o.key}": use a number`);
  return Number(value);
}
