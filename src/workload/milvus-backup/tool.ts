import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isExecutable, onPath } from '../../util/executables.ts';
import { renderBackupYaml, type MilvusBackupTarget } from './config.ts';
import { createArgs, getArgs, listArgs, parseCommandResult, parseGet, parseList, restoreArgs, type BackupInfo, type CommandResult, type CreateOptions, type RestoreOptions } from './cli.ts';

/** Why the tool is not here, and what to do: it is on no registry reachable from this machine. */
export const MILVUS_BACKUP_MISSING =
  "milvus-backup is not installed: pass --milvus-backup PATH (or put 'milvus-backup' on PATH). Use its v0.4 line for Milvus 2.3 servers (v0.5 restores only into 2.4 and later); it is not on any package registry this project installs from, so setup.sh cannot install it";

/** The milvus-backup binary: `explicit` (--milvus-backup), else $MILVUS_BACKUP, else `milvus-backup` on PATH; null when none. */
export function findMilvusBackup(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string | null {
  const wanted = explicit ?? env.MILVUS_BACKUP;
  if (wanted) {
    if (!isExecutable(wanted)) throw new Error(`--milvus-backup '${wanted}' is not an executable file: give the path of the milvus-backup binary`);
    return wanted;
  }
  return onPath(['milvus-backup'], env);
}

export interface RunOutput {
  stdout: string;
  stderr: string;
  exitCode: number | null;
}

/**
 * The official milvus-backup driven against one stack: its config written once into `workDir`
 * (mode 0600: it holds credentials), each command run to its end (or killed on abort/timeout).
 */
export class MilvusBackupTool {
  readonly configPath: string;

  constructor(readonly binary: string, target: Omit<MilvusBackupTarget, 'logFile'>, readonly workDir: string, private readonly timeoutMs = 30 * 60_000) {
    mkdirSync(workDir, { recursive: true });
    this.configPath = join(workDir, 'backup.yaml');
    writeFileSync(this.configPath, renderBackupYaml({ ...target, logFile: join(workDir, 'milvus-backup.log') }), { mode: 0o600 });
  }

  async create(name: string, options: CreateOptions, signal?: AbortSignal): Promise<CommandResult> {
    const out = await this.run(createArgs(this.configPath, name, options), signal);
    return parseCommandResult(out.stdout, out.stderr, out.exitCode);
  }

  async restore(name: string, options: RestoreOptions, signal?: AbortSignal): Promise<CommandResult> {
    const out = await this.run(restoreArgs(this.configPath, name, options), signal);
    return parseCommandResult(out.stdout, out.stderr, out.exitCode);
  }

  async list(signal?: AbortSignal): Promise<string[]> {
    const out = await this.run(listArgs(this.configPath), signal);
    if (out.exitCode !== 0) throw new Error(`milvus-backup list failed (exit ${out.exitCode}): ${out.stderr.trim() || out.stdout.trim()}`);
    return parseList(out.stdout);
  }

  async get(name: string, signal?: AbortSignal): Promise<BackupInfo> {
    const out = await this.run(getArgs(this.configPath, name), signal);
    if (out.exitCode !== 0) throw new Error(`milvus-backup get ${name} failed (exit ${out.exitCode}): ${out.stderr.trim() || out.stdout.trim()}`);
    return parseGet(out.stdout);
  }

  /** Runs the binary in workDir (its relative paths, such as logs/, land there) and collects its output. */
  run(args: readonly string[], signal?: AbortSignal): Promise<RunOutput> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.binary, args, { cwd: this.workDir, stdio: ['ignore', 'pipe', 'pipe'], signal, timeout: this.timeoutMs, killSignal: 'SIGKILL' });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', (err) => reject(new Error(`milvus-backup ${args[2] ?? ''} could not run: ${err.message}`, { cause: err })));
      child.on('close', (code, sig) => {
        if (signal?.aborted) reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
        else if (sig) reject(new Error(`milvus-backup ${args[2] ?? ''} was killed (${sig})${sig === 'SIGKILL' ? ` after the ${this.timeoutMs} ms timeout` : ''}: ${stderr.trim().slice(-400)}`));
        else resolve({ stdout, stderr, exitCode: code });
      });
    });
  }
}
