/**
 * Container id from a cgroup v2 path (rg_process_exec.cgroup_path: the kernfs walk of the task's
 * default-hierarchy cgroup, or the "0::" line of /proc/<pid>/cgroup when seeded).
 *
 * Container runtimes name the container's cgroup after its 64-hex id; the shapes recognized, for both
 * cgroup drivers (systemd: "<prefix>-<id>.scope" units; cgroupfs: plain directories):
 *
 * | runtime    | systemd driver                                              | cgroupfs driver                 |
 * |------------|-------------------------------------------------------------|---------------------------------|
 * | docker     | /system.slice/docker-<id>.scope                             | /docker/<id>                    |
 * | containerd | .../kubepods-<qos>-pod<uid>.slice/cri-containerd-<id>.scope | /kubepods/<qos>/pod<uid>/<id> * |
 * | cri-o      | .../kubepods-<qos>-pod<uid>.slice/crio-<id>.scope           | /kubepods/<qos>/pod<uid>/crio-<id> |
 * | podman     | /machine.slice/libpod-<id>.scope, user@<uid>.service/.../libpod-<id>.scope | /libpod_parent/libpod-<id> |
 * | nerdctl    | /system.slice/nerdctl-<id>.scope (containerd)               |                                 |
 *
 * (*) a bare 64-hex directory (kubelet's cgroupfs driver, runc's default) does not name the runtime:
 * container_runtime is null there (docker's "/docker/<id>" is the exception). Docker under kubelet
 * (dockershim) uses "docker-<id>.scope", reported as docker.
 *
 * Components are looked at from the innermost up, so a process in a sub-cgroup of a container
 * (podman's ".../libpod-<id>.scope/container", systemd inside a container) and a nested container
 * (docker in docker: "/docker/<outer>/docker/<inner>") give the innermost container. Runtime helper
 * units are not containers: "libpod-conmon-<id>.scope" and "crio-conmon-<id>.scope" (conmon, the
 * monitor process) give null.
 */

/** Runtime named by the cgroup path. */
export type ContainerRuntime = 'docker' | 'containerd' | 'cri-o' | 'podman';

/** A container found in a cgroup path. */
export interface ContainerInfo {
  /** the full 64-hex container id (lower case, as the runtime names it) */
  id: string;
  /** the runtime the path names; null when the path holds only the id (see the module docs) */
  runtime: ContainerRuntime | null;
}

const PREFIXED = /^(docker|cri-containerd|crio|libpod|nerdctl)-([0-9a-f]{64})(?:\.scope)?$/;
const BARE = /^[0-9a-f]{64}$/;

const RUNTIME_OF_PREFIX: Readonly<Record<string, ContainerRuntime>> = {
  docker: 'docker',
  'cri-containerd': 'containerd',
  crio: 'cri-o',
  libpod: 'podman',
  nerdctl: 'containerd',
};

/**
 * The container a cgroup path belongs to, or null (host processes, systemd services and sessions,
 * conmon, "" and "/").
 */
export function containerFromCgroup(path: string): ContainerInfo | null {
  // cheap reject: every shape has 64 hex digits, so at least 64 bytes
  if (path.length < 64) return null;
  const parts = path.split('/');
  for (let i = parts.length - 1; i >= 0; i--) {
    const part = parts[i];
    if (part.length < 64) continue;
    const m = PREFIXED.exec(part);
    if (m) return { id: m[2], runtime: RUNTIME_OF_PREFIX[m[1]] };
    if (BARE.test(part)) return { id: part, runtime: i > 0 && parts[i - 1] === 'docker' ? 'docker' : null };
  }
  return null;
}

/**
 * containerFromCgroup with a small memo: execs come in bursts from few cgroups, so the path of the last
 * few hundred cgroups is looked up instead of split and matched again. Bounded (oldest dropped).
 */
export class ContainerResolver {
  private readonly memo = new Map<string, ContainerInfo | null>();

  constructor(private readonly maxEntries = 256) {}

  /** The container of a cgroup path (see containerFromCgroup). */
  resolve(path: string): ContainerInfo | null {
    if (path.length < 64) return null;
    const hit = this.memo.get(path);
    if (hit !== undefined) return hit;
    const info = containerFromCgroup(path);
    if (this.memo.size >= this.maxEntries) {
      const oldest = this.memo.keys().next();
      if (!oldest.done) this.memo.delete(oldest.value);
    }
    this.memo.set(path, info);
    return info;
  }
}
