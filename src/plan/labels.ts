// The labels Docker Compose writes on what it creates (docker/compose pkg/api/labels.go): `ps`, `down` and the
// next `up` find a project's containers, networks and volumes by them alone, and so do Docker Compose's tools.
export const LABEL = {
  project: "com.docker.compose.project",
  service: "com.docker.compose.service",
  number: "com.docker.compose.container-number",
  oneoff: "com.docker.compose.oneoff",
  configHash: "com.docker.compose.config-hash",
  image: "com.docker.compose.image",
  dependsOn: "com.docker.compose.depends_on",
  workingDir: "com.docker.compose.project.working_dir",
  configFiles: "com.docker.compose.project.config_files",
  network: "com.docker.compose.network",
  volume: "com.docker.compose.volume",
  version: "com.docker.compose.version",
} as const;

/** The label filter that selects a project's resources in list calls. */
export const projectFilter = (project: string) => `${LABEL.project}=${project}`;

export interface DependsOnLabel {
  service: string;
  condition: string;
  restart: boolean;
}

/** `db:service_healthy:false,cache:service_started:true`, as compose writes it. */
export function formatDependsOn(deps: DependsOnLabel[]): string {
  return deps.map((d) => `${d.service}:${d.condition}:${d.restart}`).join(",");
}

export function parseDependsOn(label: string | undefined): DependsOnLabel[] {
  if (!label) return [];
  return label.split(",").filter(Boolean).map((entry) => {
    const [service = "", condition = "service_started", restart = "false"] = entry.split(":");
    return { service, condition, restart: restart === "true" };
  });
}
