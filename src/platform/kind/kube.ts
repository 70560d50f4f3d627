// Every Kubernetes API call the kind platform makes, through @kubernetes/client-node: apply,
// delete by label, readiness, conditions, logs, events and a port-forward that follows the pod a
// Service selects. Only the context and namespace named by the user are ever touched.
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { request as httpRequest } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { CoreV1Api, KubeConfig, KubernetesObjectApi, PortForward, type KubernetesObject, type V1Pod } from '@kubernetes/client-node';
import { waitFor } from '../../util/poll.ts';
import type { KubeObject } from './manifests.ts';

const FIELD_MANAGER = 'milvus-drill';

export interface KubeTarget {
  /** A kubeconfig file; null: the user's default ($KUBECONFIG or ~/.kube/config). */
  kubeconfig: string | null;
  context: string;
}

/** HTTP status of a failed API call, when it has one. */
export function apiStatus(err: unknown): number | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

function apiMessage(err: unknown): string {
  const body = (err as { body?: unknown })?.body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: string };
      if (parsed.message) return parsed.message;
    } catch {
      return body.slice(0, 300);
    }
  }
  return err instanceof Error ? err.message : String(err);
}

function send(url: URL, options: RequestOptions, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`no answer from ${url.host} in 60 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

export class Kube {
  readonly config: KubeConfig;
  readonly objects: KubernetesObjectApi;
  readonly core: CoreV1Api;

  constructor(readonly target: KubeTarget) {
    this.config = new KubeConfig();
    if (target.kubeconfig) this.config.loadFromFile(target.kubeconfig);
    else this.config.loadFromDefault();
    if (!this.config.getContexts().some((c) => c.name === target.context)) {
      const known = this.config.getContexts().map((c) => c.name);
      throw new Error(`kube context '${target.context}' is not in ${target.kubeconfig ?? 'the default kubeconfig'} (it has: ${known.join(', ') || 'none'})`);
    }
    this.config.setCurrentContext(target.context);
    this.objects = KubernetesObjectApi.makeApiClient(this.config);
    this.core = this.config.makeApiClient(CoreV1Api);
  }

  /**
   * Creates or updates an object by server-side apply (our field manager owns what we set). The
   * body goes to the API server as written: the client's typed serializer would drop fields it
   * knows under another name (a CRD's x-kubernetes-int-or-string), which the server then refuses.
   */
  async apply<T extends KubeObject>(obj: T): Promise<void> {
    const what = `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`;
    const path = await (this.objects as unknown as { specUriPath(spec: KubernetesObject, action: string): Promise<string> }).specUriPath(structuredClone(obj) as KubernetesObject, 'patch');
    const url = new URL(`${this.config.getCurrentCluster()!.server.replace(/\/$/, '')}${path}?fieldManager=${FIELD_MANAGER}&force=true`);
    const options: RequestOptions = { method: 'PATCH', headers: { 'Content-Type': 'application/apply-patch+yaml', Accept: 'application/json' } };
    await this.config.applyToHTTPSOptions(options);
    const { status, body } = await send(url, options, JSON.stringify(obj));
    if (status >= 300) throw new Error(`applying ${what} failed (HTTP ${status}): ${apiMessage({ body })}`);
  }

  async read(header: { apiVersion: string; kind: string; name: string; namespace?: string }): Promise<KubernetesObject | null> {
    try {
      return await this.objects.read({ apiVersion: header.apiVersion, kind: header.kind, metadata: { name: header.name, ...(header.namespace ? { namespace: header.namespace } : {}) } });
    } catch (err) {
      if (apiStatus(err) === 404) return null;
      throw new Error(`reading ${header.kind} ${header.name} failed: ${apiMessage(err)}`, { cause: err });
    }
  }

  /** Deletes an object; true if it was there. Deletion of a gone object is not an error. */
  async delete(header: { apiVersion: string; kind: string; name: string; namespace?: string }, propagation = 'Background'): Promise<boolean> {
    try {
      await this.objects.delete({ apiVersion: header.apiVersion, kind: header.kind, metadata: { name: header.name, ...(header.namespace ? { namespace: header.namespace } : {}) } }, undefined, undefined, undefined, undefined, propagation);
      return true;
    } catch (err) {
      if (apiStatus(err) === 404) return false;
      throw new Error(`deleting ${header.kind} ${header.name} failed: ${apiMessage(err)}`, { cause: err });
    }
  }

  /** Objects of a kind in a namespace with these labels; none when the kind is not installed. */
  async list(apiVersion: string, kind: string, namespace: string, labelSelector: string): Promise<KubernetesObject[]> {
    try {
      return (await this.objects.list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, labelSelector)).items;
    } catch (err) {
      if (apiStatus(err) === 404) return [];
      throw new Error(`listing ${kind} in ${namespace} failed: ${apiMessage(err)}`, { cause: err });
    }
  }

  /** Deletes every object of these kinds with the labels; returns how many were deleted. */
  async deleteByLabel(kinds: readonly { apiVersion: string; kind: string }[], namespace: string, labelSelector: string): Promise<number> {
    let deleted = 0;
    for (const k of kinds) {
      for (const item of await this.list(k.apiVersion, k.kind, namespace, labelSelector)) {
        if (await this.delete({ ...k, name: item.metadata!.name!, namespace }, 'Foreground')) deleted++;
      }
    }
    return deleted;
  }

  /** Waits until nothing of these kinds with the labels remains (finalizers done). */
  async waitGone(kinds: readonly { apiVersion: string; kind: string }[], namespace: string, labelSelector: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await waitFor(
      async () => {
        for (const k of kinds) if ((await this.list(k.apiVersion, k.kind, namespace, labelSelector)).length > 0) return false;
        return true;
      },
      { what: `${kinds.map((k) => k.kind).join('/')} labelled ${labelSelector} in ${namespace} to be gone`, timeoutMs, intervalMs: 500, ...(signal ? { signal } : {}) },
    );
  }

  async pods(namespace: string, labelSelector: string): Promise<V1Pod[]> {
    return (await this.core.listNamespacedPod({ namespace, labelSelector })).items;
  }

  /** Waits until `count` pods with the labels are Ready; names what is not, on timeout. */
  async waitPodsReady(namespace: string, labelSelector: string, count: number, timeoutMs: number, signal?: AbortSignal): Promise<V1Pod[]> {
    let last: V1Pod[] = [];
    try {
      return await waitFor(
        async () => {
          last = await this.pods(namespace, labelSelector);
          const ready = last.filter(isPodReady);
          return ready.length >= count ? ready : false;
        },
        { what: `${count} pod(s) labelled ${labelSelector} in ${namespace} to be Ready`, timeoutMs, intervalMs: 1_000, ...(signal ? { signal } : {}) },
      );
    } catch (err) {
      const states = last.map((p) => `${p.metadata?.name}: ${podState(p)}`).join('; ');
      throw new Error(`${(err as Error).message}${states ? ` (pods: ${states})` : ' (no pods)'}`, { cause: err });
    }
  }

  async podLog(namespace: string, pod: string, container: string, previous = false): Promise<string> {
    try {
      return await this.core.readNamespacedPodLog({ name: pod, namespace, container, previous, tailLines: 5_000 });
    } catch (err) {
      return `(log unavailable: ${apiMessage(err)})`;
    }
  }

  /** The namespace's events, oldest first, one line each. */
  async events(namespace: string): Promise<string[]> {
    const list = await this.core.listNamespacedEvent({ namespace });
    return list.items
      .map((e) => ({ at: isoTime(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp), line: `${e.type} ${e.involvedObject.kind}/${e.involvedObject.name} ${e.reason}: ${e.message ?? ''}` }))
      .sort((a, b) => a.at.localeCompare(b.at))
      .map((e) => `${e.at} ${e.line}`);
  }
}

function isoTime(t: Date | string | undefined): string {
  if (t === undefined) return '';
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? String(t) : d.toISOString();
}

export function isPodReady(p: V1Pod): boolean {
  return !p.metadata?.deletionTimestamp && p.status?.phase === 'Running' && (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

function podState(p: V1Pod): string {
  const waiting = p.status?.containerStatuses?.map((c) => c.state?.waiting?.reason ?? c.state?.terminated?.reason).filter(Boolean);
  return [p.status?.phase ?? 'Unknown', ...(waiting ?? [])].join(' ');
}

/**
 * The name of a Ready pod with the labels, waiting up to 15 s for one while the client stays
 * connected: a client that connects while the pod is being replaced is served as soon as the new
 * one is Ready, instead of being refused and backing off (gRPC's reconnect back-off grows to
 * tens of seconds, which would be measured as Milvus's recovery time).
 */
async function readyPod(kube: Kube, namespace: string, labelSelector: string, socket: Socket): Promise<string | undefined> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const pod = (await kube.pods(namespace, labelSelector)).find(isPodReady)?.metadata?.name;
    if (pod || Date.now() > deadline || socket.destroyed) return pod;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * A local TCP port (127.0.0.1) forwarding to `port` of a Ready pod with the labels. Each new
 * connection asks again which pod is Ready, so after a pod is killed the next connection reaches
 * its replacement (kubectl's port-forward stays on the first pod and dies with it).
 */
export class PodPortForward implements AsyncDisposable {
  private constructor(
    private readonly server: Server,
    private readonly sockets: Set<Socket>,
    readonly localPort: number,
  ) {}

  static async open(kube: Kube, namespace: string, labelSelector: string, port: number): Promise<PodPortForward> {
    const forwarder = new PortForward(kube.config, true);
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      void (async () => {
        const pod = await readyPod(kube, namespace, labelSelector, socket);
        if (!pod) return socket.destroy();
        const ws = await forwarder.portForward(namespace, pod, [port], socket, null, socket);
        const close = (): void => {
          const w = typeof ws === 'function' ? ws() : ws;
          w?.close();
        };
        socket.on('close', close);
      })().catch(() => socket.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    return new PodPortForward(server, sockets, typeof address === 'object' && address ? address.port : 0);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
