import { readdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export const REDACTED = '<redacted>';

/** Values of settings that hold a secret in milvus.yaml, Kafka properties and logs (MinIO keys, passwords, tokens). */
const SECRET_SETTING = /^(\s*[\w.-]*(?:secretAccessKey|accessKeyID|accessKey|secretKey|password|passwd|token|ROOT_USER|ROOT_PASSWORD)[\w.-]*\s*[:=]\s*)(\S.*)$/gim;
const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g;

/** A text with secret settings, private keys and the given literal secrets replaced. Pure. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text.replace(SECRET_SETTING, (_, key: string) => `${key}${REDACTED}`).replace(PRIVATE_KEY, REDACTED);
  for (const secret of secrets) if (secret.length >= 6) out = out.split(secret).join(REDACTED);
  return out;
}

/** Redacts every kept file under dir in place: configs and logs a run keeps with its report. */
export function redactSecrets(dir: string, secrets: readonly string[]): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    if (stat.isDirectory()) redactSecrets(path, secrets);
    else if (stat.isFile()) {
      const text = readFileSync(path, 'utf8');
      const redacted = redactText(text, secrets);
      if (redacted !== text) writeFileSync(path, redacted);
    }
  }
}
