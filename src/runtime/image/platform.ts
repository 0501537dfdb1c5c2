// This machine's platform in OCI terms.

/** Node's architecture names to OCI's (GOARCH). */
const OCI_ARCH: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386", ppc64: "ppc64le", s390x: "s390x" };

export const hostArchitecture = (): string => OCI_ARCH[process.arch] ?? process.arch;
