import type { StepSpec, ValidationError } from '../core/types.ts';
import { sdkForServer, supportedServerLines } from '../core/sdk-versions.ts';

/** '2.3.5' → [2, 3, 5]; a leading 'v' and a suffix ('-lite', '-gpu') are ignored. Null when not a version. */
export function parseVersion(version: string): [number, number, number] | null {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : null;
}

/** Negative when a is older than b, 0 when equal, positive when newer. Versions that do not parse compare equal. */
export function compareVersions(a: string, b: string): number {
  const [x, y] = [parseVersion(a), parseVersion(b)];
  if (!x || !y) return 0;
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
}

/** Upsert arrived in Milvus 2.3; an older server has no such call. */
export function supportsUpsert(serverVersion: string): boolean {
  return compareVersions(serverVersion, '2.3.0') >= 0;
}

/**
 * The versions a scenario runs through (the stack's, then each upgrade step's and each 'up' step's
 * own), checked: each has
 * an SDK in the one table, and none goes back unless the step says it is a rollback test.
 */
export function versionPathErrors(stackVersion: string, steps: readonly StepSpec[]): ValidationError[] {
  const errors: ValidationError[] = [];
  const noSdk = (v: string, path: string): void => {
    if (parseVersion(v) === null) errors.push({ path, message: `'${v}' is not a Milvus version`, fix: "write it as major.minor.patch, e.g. '2.3.5'" });
    else if (!sdkForServer(v)) errors.push({ path, message: `Milvus ${v} has no Node SDK in the SDK table (src/core/sdk-versions.ts)`, fix: `use a server of a supported line (${supportedServerLines().join(', ')}) or add its SDK to the table` });
  };
  noSdk(stackVersion, 'stack.milvusVersion');
  let current = stackVersion;
  steps.forEach((st, i) => {
    // A new stack of another version (a restore across versions) starts the path again.
    if (st.step === 'action' && st.spec.action === 'up' && st.spec.version !== undefined) {
      noSdk(st.spec.version, `steps[${i}].version`);
      current = st.spec.version;
      return;
    }
    if (st.step !== 'action' || st.spec.action !== 'upgrade') return;
    const { version, rollback } = st.spec;
    noSdk(version, `steps[${i}].version`);
    const order = compareVersions(version, current);
    if (order < 0 && !rollback) {
      errors.push({ path: `steps[${i}].version`, message: `${current} → ${version} is a downgrade, which Milvus does not support`, fix: 'upgrade to a newer version, or set rollback: true to measure a deliberate rollback' });
    }
    if (order >= 0 && rollback) errors.push({ path: `steps[${i}].rollback`, message: `${current} → ${version} is not a downgrade`, fix: 'remove rollback: true' });
    current = version;
  });
  return errors;
}
