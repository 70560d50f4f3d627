// Runs the planned kind steps with child_process. Deliberately thin: what to run and whether it is
// allowed is decided by the pure functions in commands.ts and chaos.ts. Not runnable on a machine
// without a Kubernetes cluster, so it holds no logic worth testing on its own.
import { spawn } from 'node:child_process';
import type { FaultSpec } from '../../core/types.ts';
import { compileFault, type ChaosContext } from './chaos.ts';
import { currentContextStep, etcdLeaderLookup, optInErrors, parseEtcdLeader, planHeal, planInject, type KubeOptIn, type Step } from './commands.ts';

export class KindRefused extends Error {}

interface StepResult {
  code: number;
  stdout: string;
  stderr: string;
}

function spawnStep(step: Step): Promise<StepResult> {
  return new Promise((resolve, reject) => {
    const [command, ...args] = step.argv;
    const child = spawn(command!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (err) => reject(new Error(`${step.purpose}: cannot run ${command} (${err.message}); is it installed and on PATH?`)));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(step.stdin ?? '');
  });
}

export async function runStep(step: Step): Promise<StepResult> {
  const result = await spawnStep(step);
  if (result.code !== 0 && !step.tolerate?.test(result.stderr)) {
    throw new Error(`${step.purpose} failed (${step.argv.join(' ')} exited ${result.code}): ${result.stderr.trim()}`);
  }
  return result;
}

export async function runSteps(steps: readonly Step[], progress: (message: string) => void): Promise<void> {
  for (const step of steps) {
    progress(step.purpose);
    await runStep(step);
  }
}

/** Refuses, before anything else runs, unless the named context is the current one and allowed. */
export async function assertOptedIn(optIn: Partial<KubeOptIn>): Promise<KubeOptIn> {
  const current = await spawnStep(currentContextStep).catch(() => null);
  const context = current && current.code === 0 ? current.stdout.trim() : null;
  const errors = optInErrors(optIn, context);
  if (errors.length > 0) throw new KindRefused(errors.map((e) => `${e.path}: ${e.message} (fix: ${e.fix})`).join('\n'));
  return optIn as KubeOptIn;
}

/** A fault in force; disposing it deletes its Chaos Mesh objects, which heals it. */
export interface ActiveChaos extends AsyncDisposable {
  fault: FaultSpec;
  startedAt: number;
}

export async function injectFault(optIn: KubeOptIn, ctx: ChaosContext, fault: FaultSpec, index: number): Promise<ActiveChaos> {
  const leader = fault.target.member === 'leader' ? await lookUpEtcdLeader(optIn, ctx) : undefined;
  const compiled = compileFault(fault, index, { ...ctx, etcdLeaderPod: leader });
  if (!compiled.ok) throw new Error(compiled.errors.map((e) => `${e.path}: ${e.message} (fix: ${e.fix})`).join('\n'));
  const heal = () => runSteps(planHeal(optIn, compiled.objects), () => {});
  try {
    await runSteps(planInject(optIn, compiled.objects), () => {});
  } catch (err) {
    await heal();
    throw err;
  }
  return { fault, startedAt: Date.now(), [Symbol.asyncDispose]: heal };
}

async function lookUpEtcdLeader(optIn: KubeOptIn, ctx: ChaosContext): Promise<string> {
  const { stdout } = await runStep(etcdLeaderLookup(optIn, ctx.deployment));
  const leader = parseEtcdLeader(stdout);
  if (!leader) throw new Error(`could not tell the etcd leader from etcdctl's answer: ${stdout.slice(0, 200)}`);
  return leader;
}
