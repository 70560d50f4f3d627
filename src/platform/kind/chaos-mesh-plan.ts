// What goes into the Chaos Mesh images built for kind, as data and text: the Debian packages
// chaos-daemon runs (its upstream image installs them from Debian too), the Containerfiles, and
// the two helpers whose upstream builds are Rust release downloads no reachable registry serves:
// `nsexec` (enters a target's namespaces, then runs a command) as a small C program of ours, and
// `memStress` as a shell shim over Debian's stress-ng. Pure: chaos-mesh-build.ts runs it.

/**
 * What chaos-daemon runs (images/chaos-daemon/Dockerfile of the module installs these from Debian):
 * iptables and ipset (NetworkChaos partition), iproute2 (tc, ip), util-linux (nsenter for the
 * cgroup attach, choom for memory stress), procps, stress-ng (StressChaos). Left out: ebtables,
 * net-tools, fuse and a JRE (JVMChaos, whose byteman is a download).
 */
export const CHAOS_DAEMON_PACKAGES = ['iptables', 'ipset', 'iproute2', 'util-linux', 'procps', 'stress-ng', 'tzdata'] as const;

/** A text replacement applied to the copied module before building, with the reason. */
export interface SourcePatch {
  file: string;
  from: string;
  to: string;
  why: string;
}

/**
 * Fixes to the module's source, found by running it on these kind nodes. Each `from` must occur
 * exactly once (the build stops otherwise, naming the patch), so a new module version that changed
 * the code is noticed rather than silently left unpatched.
 */
export const CHAOS_MESH_SOURCE_PATCHES: readonly SourcePatch[] = [
  {
    file: 'pkg/chaosdaemon/cgroups/pidpath.go',
    from: 'return "", errors.New("controller is not supported")',
    to: 'return "", cgroups.ErrControllerNotActive',
    why: 'On cgroup v1, a kind node under Podman has empty folders for hierarchies the host does not mount '
      + '(hugetlb, net_cls,net_prio, perf_event), so chaos-daemon lists them, and the target\'s /proc/PID/cgroup '
      + 'has no line for them. containerd/cgroups Load skips such a controller only on its own ErrControllerNotActive; '
      + 'an error with the same text fails every StressChaos with "load cgroup v1 manager … controller is not supported".',
  },
];

/** The patched text of a file, or an error naming the patch that no longer applies. */
export function applySourcePatch(text: string, patch: SourcePatch): string {
  const at = text.indexOf(patch.from);
  if (at < 0 || text.indexOf(patch.from, at + 1) >= 0) {
    throw new Error(`chaos-mesh source patch for ${patch.file} does not apply (expected exactly one '${patch.from}'); update CHAOS_MESH_SOURCE_PATCHES in src/platform/kind/chaos-mesh-plan.ts`);
  }
  return text.slice(0, at) + patch.to + text.slice(at + patch.from.length);
}

/**
 * TimeChaos's fake clock functions, compiled into objects chaos-daemon embeds (pkg/time embeds
 * fakeclock/*.o; the module has only the C sources and an empty placeholder). Upstream's Makefile
 * builds them with these flags before chaos-daemon; without them every TimeChaos fails with "load
 * fake image: … open fakeclock/fake_clock_gettime.o: file does not exist".
 */
export const FAKECLOCK_OBJECTS = ['fake_clock_gettime', 'fake_gettimeofday'].map((name) => ({
  source: `pkg/time/fakeclock/${name}.c`,
  object: `pkg/time/fakeclock/${name}.o`,
  args: ['-c', `pkg/time/fakeclock/${name}.c`, '-fPIE', '-O2', '-o', `pkg/time/fakeclock/${name}.o`],
}));

export const CHAOS_CONTROLLER_IMAGE_NAME = 'chaos-controller-manager';
export const CHAOS_DAEMON_IMAGE_NAME = 'chaos-daemon';

export function chaosMeshImageRef(name: string, key: string): string {
  return `localhost/drill-kind/${name}:${key}`;
}

const PATH_ENV = 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The controller: a static binary on the small Debian image (a shell and tzdata for debugging and TZ). */
export function renderControllerContainerfile(baseImage: string): string {
  return [`FROM ${baseImage}`, PATH_ENV, 'COPY chaos-controller-manager /usr/local/bin/chaos-controller-manager', 'ENTRYPOINT ["/usr/local/bin/chaos-controller-manager"]', ''].join('\n');
}

/**
 * chaos-daemon on a Debian rootfs with its tools. iptables is switched to the legacy backend as
 * upstream's image does; pause, nsexec and memStress sit where chaos-daemon looks for them
 * (/usr/local/bin, pkg/bpm/bpm.go).
 */
export function renderDaemonContainerfile(baseImage: string): string {
  return [
    `FROM ${baseImage}`,
    PATH_ENV,
    'RUN update-alternatives --set iptables /usr/sbin/iptables-legacy && update-alternatives --set ip6tables /usr/sbin/ip6tables-legacy',
    'COPY chaos-daemon pause nsexec memStress /usr/local/bin/',
    'ENTRYPOINT ["/usr/local/bin/chaos-daemon"]',
    '',
  ].join('\n');
}

/**
 * chaos-daemon's `nsexec` (pkg/bpm/build_linux.go): `nsexec [-l] [-m P] [-i P] [-n P] [-p P] [-u P]
 * -- cmd args…` enters each namespace given by its /proc/PID/ns/* path, then runs the command.
 * Upstream's is a Rust program (chaos-mesh/nsexec) shipped as a release download; this one does the
 * same with setns(2). A PID namespace only applies to children, so with -p it forks: the child
 * runs the command (and dies with it, PR_SET_PDEATHSIG) and the parent forwards the signals
 * chaos-daemon sends (it kills by the PID it started) and exits as the child did. -l (upstream:
 * load the command from the daemon's own filesystem) opens the command before entering the mount
 * namespace and runs it with fexecve; a dynamically linked command still needs its loader and
 * libraries in the target, which upstream's LD_PRELOAD library does not (only IOChaos, HTTPChaos,
 * JVMChaos and BlockChaos use -l, and their tools are not built here).
 */
export const NSEXEC_SOURCE = `// nsexec for chaos-daemon, built by milvus-drill (src/platform/kind/chaos-mesh-plan.ts).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t child = 0;

static void forward(int sig) {
  if (child > 0) kill(child, sig);
}

static int open_command(const char *cmd) {
  if (strchr(cmd, '/')) return open(cmd, O_RDONLY | O_CLOEXEC);
  const char *path = getenv("PATH");
  char buf[4096];
  for (const char *p = path ? path : "/usr/local/bin:/usr/bin:/bin"; *p;) {
    const char *end = strchr(p, ':');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    snprintf(buf, sizeof buf, "%.*s/%s", (int)len, p, cmd);
    int fd = open(buf, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) return fd;
    if (!end) break;
    p = end + 1;
  }
  return -1;
}

int main(int argc, char *argv[]) {
  // Namespaces in the order they are entered: the mount namespace last, so that /proc paths still resolve.
  const char *flags = "inpum";
  const int types[] = {CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWPID, CLONE_NEWUTS, CLONE_NEWNS};
  const char *paths[5] = {0};
  int local = 0, i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) { i++; break; }
    if (strcmp(a, "-l") == 0 || strcmp(a, "--local") == 0) { local = 1; continue; }
    const char *f = (a[0] == '-' && a[1] && !a[2]) ? strchr(flags, a[1]) : NULL;
    if (!f || i + 1 >= argc) { fprintf(stderr, "nsexec: unknown or incomplete option '%s'\\n", a); return 125; }
    paths[f - flags] = argv[++i];
  }
  if (i >= argc) { fprintf(stderr, "usage: nsexec [-l] [-i|-n|-p|-u|-m /proc/PID/ns/X]... -- command [args...]\\n"); return 125; }
  int fds[5];
  for (int k = 0; k < 5; k++) {
    fds[k] = -1;
    if (paths[k] && (fds[k] = open(paths[k], O_RDONLY | O_CLOEXEC)) < 0) { fprintf(stderr, "nsexec: open %s: %s\\n", paths[k], strerror(errno)); return 125; }
  }
  int exe = -1;
  if (local && (exe = open_command(argv[i])) < 0) { fprintf(stderr, "nsexec: %s: %s\\n", argv[i], strerror(errno)); return 127; }
  for (int k = 0; k < 5; k++) {
    if (fds[k] >= 0 && setns(fds[k], types[k]) != 0) { fprintf(stderr, "nsexec: setns %s: %s\\n", paths[k], strerror(errno)); return 125; }
  }
  if (paths[2]) {
    child = fork();
    if (child < 0) { perror("nsexec: fork"); return 125; }
    if (child > 0) {
      int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCONT};
      for (unsigned k = 0; k < sizeof sigs / sizeof sigs[0]; k++) signal(sigs[k], forward);
      int status;
      while (waitpid(child, &status, 0) < 0) if (errno != EINTR) { perror("nsexec: waitpid"); return 125; }
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      signal(WTERMSIG(status), SIG_DFL);
      raise(WTERMSIG(status));
      return 128 + WTERMSIG(status);
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL);
  }
  if (exe >= 0) fexecve(exe, &argv[i], environ);
  else execvp(argv[i], &argv[i]);
  fprintf(stderr, "nsexec: exec %s: %s\\n", argv[i], strerror(errno));
  return 127;
}
`;

/**
 * chaos-daemon's `memStress` (chaos-mesh/memStress, a Rust release download) is called as
 * `memStress --workers N [--size SIZE] [options…]` (api/v1alpha1 Stressors.Normalize). This shim
 * runs stress-ng's vm stressor with the same workers and size (MB/MiB/GB… become stress-ng's M/G),
 * keeping the memory resident until it is killed; other options are ignored.
 */
export const MEMSTRESS_SHIM = `#!/bin/sh
# memStress for chaos-daemon, built by milvus-drill (src/platform/kind/chaos-mesh-plan.ts): stress-ng's vm stressor.
workers=1
size=
while [ $# -gt 0 ]; do
  case "$1" in
    --workers|-w) workers=$2; shift 2 ;;
    --size|-s) size=$2; shift 2 ;;
    *) shift ;;
  esac
done
case "$size" in
  '') size=90% ;;
  *%) ;;
  *) size=$(printf '%s' "$size" | sed -E 's/[[:space:]]//g; s/([0-9.]+)([kKmMgGtT])[iI]?[bB]?$/\\1\\2/; s/([0-9.]+)[bB]$/\\1/' | tr 'kmgt' 'KMGT') ;;
esac
exec stress-ng --vm "$workers" --vm-bytes "$size" --vm-keep --timeout 0
`;
