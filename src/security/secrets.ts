import { randomBytes } from 'node:crypto';

/** The users the probes act as, besides root. */
export const PROBE_USERS = { reader: 'drill_reader', revoked: 'drill_revoked' } as const;
export const PROBE_ROLES = { reader: 'drill_reader_role', revoked: 'drill_revoked_role' } as const;
/** Milvus's built-in root password, which must stop working once changed. */
export const DEFAULT_ROOT_PASSWORD = 'Milvus';

/**
 * The run's passwords, made fresh per run and kept in memory only: never in the scenario, the
 * history, the reports or the logs (the secret-scan test checks a run's report folder for them).
 */
export class RunSecrets {
  readonly rootPassword: string;
  readonly passwords: Record<keyof typeof PROBE_USERS, string>;

  constructor(rootGenerated: boolean) {
    this.rootPassword = rootGenerated ? password() : DEFAULT_ROOT_PASSWORD;
    this.passwords = { reader: password(), revoked: password() };
  }

  /** Every secret, for redaction and for the scan. */
  all(): string[] {
    return [this.rootPassword, ...Object.values(this.passwords)].filter((p) => p !== DEFAULT_ROOT_PASSWORD);
  }
}

/** 24 characters Milvus accepts (6..256, no restrictions on letters and digits). */
function password(): string {
  return `Dr1${randomBytes(18).toString('base64url')}`;
}
