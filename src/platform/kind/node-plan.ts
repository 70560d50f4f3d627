// What goes into the kind node image, as data and text: Debian packages, the control-plane images
// (each a Containerfile and the binaries it copies, tagged as kubeadm expects), the CNI
// configuration and the script that finishes the node inside the build container. Pure.
import { COREDNS_TOOL, ETCD_TOOL, PAUSE_VERSION } from './build-plan.ts';

export const DEBIAN_SUITE = 'bookworm';

/** The node's own packages: what kind's base image installs, with Debian's containerd, runc and CNI plugins. */
export const NODE_PACKAGES = [
  'systemd', 'dbus', 'containerd', 'runc', 'containernetworking-plugins',
  'conntrack', 'iptables', 'nftables', 'iproute2', 'ethtool', 'util-linux', 'mount', 'kmod',
  'libseccomp2', 'pigz', 'e2fsprogs', 'bash', 'ca-certificates', 'curl', 'jq', 'procps', 'socat',
] as const;

/** A small Debian image for kube-proxy (iptables, nft, conntrack) and the storage helper (sh). */
export const SMALL_PACKAGES = ['iptables', 'nftables', 'conntrack', 'ipset', 'kmod', 'iproute2'] as const;

export function nodeImageRef(version: string, key: string): string {
  return `localhost/drill-kind/node:${version}-${key}`;
}

export interface ImageSpec {
  /** Short name, also the archive's file name. */
  name: string;
  containerfile: string;
  /** Files copied into the build context (`at` is the name in the context). */
  files: { from: string; at: string }[];
  /** Names the node's containerd gives the image (what kubeadm's manifests pull). */
  tags: string[];
}

export interface ImageInputs {
  kubernetesBin: string;
  etcdBin: string;
  corednsBin: string;
  pauseBin: string;
  smallImage: string;
  /** The file holding renderNetAgentScript()'s text. */
  netAgentScript: string;
}

const PATH_ENV = 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin';

function scratchImage(name: string, bin: string, tag: string, entrypoint?: string): ImageSpec {
  const lines = ['FROM scratch', PATH_ENV, `COPY ${name} /usr/local/bin/${name}`];
  if (entrypoint) lines.push(`ENTRYPOINT ["${entrypoint}"]`);
  return { name, containerfile: lines.join('\n') + '\n', files: [{ from: bin, at: name }], tags: [tag] };
}

/** The images kubeadm's static pods and add-ons run, tagged with the names kubeadm asks for. */
export function controlPlaneImages(i: ImageInputs, version = 'v1.34.2'): ImageSpec[] {
  const k8s = (c: string): string => `${i.kubernetesBin}/${c}`;
  return [
    scratchImage('kube-apiserver', k8s('kube-apiserver'), `registry.k8s.io/kube-apiserver:${version}`),
    scratchImage('kube-controller-manager', k8s('kube-controller-manager'), `registry.k8s.io/kube-controller-manager:${version}`),
    scratchImage('kube-scheduler', k8s('kube-scheduler'), `registry.k8s.io/kube-scheduler:${version}`),
    {
      name: 'kube-proxy',
      containerfile: [`FROM ${i.smallImage}`, PATH_ENV, 'COPY kube-proxy /usr/local/bin/kube-proxy', ''].join('\n'),
      files: [{ from: k8s('kube-proxy'), at: 'kube-proxy' }],
      tags: [`registry.k8s.io/kube-proxy:${version}`],
    },
    scratchImage('etcd', i.etcdBin, `registry.k8s.io/etcd:${ETCD_TOOL.version.slice(1)}-0`),
    {
      name: 'coredns',
      containerfile: ['FROM scratch', 'COPY coredns /coredns', 'EXPOSE 53 53/udp', 'ENTRYPOINT ["/coredns"]', ''].join('\n'),
      files: [{ from: i.corednsBin, at: 'coredns' }],
      tags: [`registry.k8s.io/coredns/coredns:${COREDNS_TOOL.version}`],
    },
    {
      name: 'net',
      containerfile: [`FROM ${i.smallImage}`, PATH_ENV, 'COPY kubectl /usr/local/bin/kubectl', 'COPY drill-kind-net /usr/local/bin/drill-kind-net', ''].join('\n'),
      files: [{ from: k8s('kubectl'), at: 'kubectl' }, { from: i.netAgentScript, at: 'drill-kind-net' }],
      tags: [NET_AGENT_IMAGE],
    },
    {
      name: 'pause',
      containerfile: ['FROM scratch', 'COPY pause /pause', 'USER 65535:65535', 'ENTRYPOINT ["/pause"]', ''].join('\n'),
      files: [{ from: i.pauseBin, at: 'pause' }],
      tags: [`registry.k8s.io/pause:${PAUSE_VERSION}`],
    },
  ];
}

/**
 * The pod network: a ptp + host-local CNI configuration baked into the node. kind's own CNI
 * (kindnetd) is not obtainable from any reachable registry; one node needs no routes between
 * nodes, so a static configuration is enough there.
 */
export function renderCniConflist(podSubnet: string): string {
  return JSON.stringify({
    cniVersion: '0.4.0',
    name: 'drill-kind',
    plugins: [
      { type: 'ptp', ipMasq: true, ipam: { type: 'host-local', dataDir: '/run/cni-ipam-state', routes: [{ dst: '0.0.0.0/0' }], ranges: [[{ subnet: podSubnet }]] }, mtu: 1500 },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  }, null, 2) + '\n';
}

/** The pod-network agent's image, pinned in the node's containerd (never pulled). */
export const NET_AGENT_IMAGE = 'localhost/drill-kind/net:v1';

/**
 * The pod-network agent (what kindnetd does for kind, which cannot be obtained here): on each
 * node, it writes the CNI configuration for that node's pod subnet and routes every other node's
 * pod subnet via that node's address. It polls the node list every few seconds with kubectl.
 */
export function renderNetAgentScript(): string {
  const conflist = renderCniConflist('__SUBNET__').trim().replace(/'/g, `'"'"'`);
  return `#!/bin/bash
# milvus-drill's pod-network agent for kind nodes built here (see src/platform/kind/node-plan.ts).
set -u
conf=/etc/cni/net.d/10-drill-ptp.conflist
template='${conflist}'
while true; do
  if nodes=$(kubectl get nodes -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.spec.podCIDR}{" "}{.status.addresses[?(@.type=="InternalIP")].address}{"\\n"}{end}'); then
    while read -r name cidr ip; do
      [ -n "\${cidr:-}" ] || continue
      if [ "$name" = "$NODE_NAME" ]; then
        want=\${template//__SUBNET__/$cidr}
        if [ "$(cat "$conf" 2>/dev/null)" != "$want" ]; then
          printf '%s\n' "$want" > "$conf.tmp" && mv "$conf.tmp" "$conf" && echo "pod subnet of $name: $cidr"
        fi
      elif [ -n "\${ip:-}" ]; then
        ip route replace "$cidr" via "$ip" || echo "cannot route $cidr via $ip"
      fi
    done <<< "$nodes"
  fi
  sleep 5
done
`;
}

/** What kind applies as its CNI manifest: the agent above, as a DaemonSet on every node. */
export function renderNetManifest(): string {
  return `# milvus-drill's pod network for kind nodes built here: a static ptp CNI configuration written
# into the node image for the first node, kept right for each node's pod subnet (and routes between
# nodes) by this agent.
apiVersion: v1
kind: ServiceAccount
metadata:
  name: drill-kind-net
  namespace: kube-system
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: drill-kind-net
rules:
  - apiGroups: [""]
    resources: [nodes]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: drill-kind-net
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: drill-kind-net
subjects:
  - kind: ServiceAccount
    name: drill-kind-net
    namespace: kube-system
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: drill-kind-net
  namespace: kube-system
  labels:
    app: drill-kind-net
spec:
  selector:
    matchLabels:
      app: drill-kind-net
  template:
    metadata:
      labels:
        app: drill-kind-net
    spec:
      hostNetwork: true
      serviceAccountName: drill-kind-net
      priorityClassName: system-node-critical
      tolerations:
        - operator: Exists
      containers:
        - name: agent
          image: ${NET_AGENT_IMAGE}
          imagePullPolicy: Never
          command: [/bin/bash, /usr/local/bin/drill-kind-net]
          env:
            - name: NODE_NAME
              valueFrom:
                fieldRef:
                  fieldPath: spec.nodeName
          securityContext:
            privileged: true
          resources:
            requests:
              cpu: 10m
              memory: 20Mi
          volumeMounts:
            - name: cni-cfg
              mountPath: /etc/cni/net.d
      volumes:
        - name: cni-cfg
          hostPath:
            path: /etc/cni/net.d
            type: DirectoryOrCreate
`;
}

/**
 * Finishes the node inside the build container: the steps of kind's base Dockerfile (systemd
 * units, containerd's runtime spec), then the images imported into containerd with the names
 * kubeadm expects, pinned so the kubelet's image garbage collection keeps them.
 */
export function renderNodeSetupScript(version: string): string {
  return `set -euo pipefail
echo "${version}" > /kind/version
ln -sf /usr/bin/containerd /usr/local/bin/containerd
mkdir -p /opt/cni && rm -rf /opt/cni/bin && ln -s /usr/lib/cni /opt/cni/bin
chmod 0755 /usr/local/bin/entrypoint /kind/bin/*.sh /usr/bin/kube* /usr/local/bin/crictl 2>/dev/null || chmod 0755 /usr/local/bin/entrypoint /kind/bin/*.sh /usr/bin/kube*
find /lib/systemd/system/sysinit.target.wants/ -name systemd-tmpfiles-setup.service -delete
rm -f /lib/systemd/system/multi-user.target.wants/* /etc/systemd/system/*.wants/* \\
  /lib/systemd/system/local-fs.target.wants/* /lib/systemd/system/sockets.target.wants/*udev* \\
  /lib/systemd/system/sockets.target.wants/*initctl* /lib/systemd/system/basic.target.wants/*
echo "ReadKMsg=no" >> /etc/systemd/journald.conf
ln -sf /usr/lib/systemd/systemd /sbin/init
systemctl enable kubelet.service containerd.service undo-mount-hacks.service
systemctl mask systemd-binfmt.service
sed -i 's#sandbox_image = .*#sandbox_image = "registry.k8s.io/pause:${PAUSE_VERSION}"#' /etc/containerd/config.toml
# Root on this host lacks CAP_SYS_RESOURCE, so no process may lower its oom_score_adj: without
# this, runc fails every pod sandbox (kubelet asks -998) with "can't get final child's PID from
# pipe: EOF". Restricted, containerd clamps the score to its own, as kind does for rootless.
sed -i 's#restrict_oom_score_adj = false#restrict_oom_score_adj = true#' /etc/containerd/config.toml
grep -q 'restrict_oom_score_adj = true' /etc/containerd/config.toml
ctr oci spec \\
  | jq '.hooks.createContainer[.hooks.createContainer| length] |= . + {"path": "/kind/bin/mount-product-files.sh"}' \\
  | jq 'del(.process.rlimits)' > /etc/containerd/cri-base.json
containerd > /var/log/drill-build-containerd.log 2>&1 &
containerd_pid=$!
for i in $(seq 1 50); do [ -S /run/containerd/containerd.sock ] && ctr version >/dev/null 2>&1 && break; sleep 0.2; done
ctr version >/dev/null
for tar in /kind/images/*.tar; do
  ctr --namespace=k8s.io images import --all-platforms --no-unpack --digests - < "$tar"
done
jq -r 'to_entries[] | .value.local as $l | .value.tags[] | "\\($l) \\(.)"' /kind/images/tags.json | while read -r local tag; do
  ctr --namespace=k8s.io images tag --force "$local" "$tag"
  ctr --namespace=k8s.io images label "$tag" io.cri-containerd.pinned=pinned >/dev/null
  ctr --namespace=k8s.io images rm "$local" >/dev/null 2>&1 || true
done
ctr --namespace=k8s.io images list -q
kill "$containerd_pid"
wait "$containerd_pid" || true
`;
}
