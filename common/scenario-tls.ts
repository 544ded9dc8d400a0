// The scenario file's `tls` (scenario-schema.ts) to the Scenario's (common/plan.ts TargetTls): the CA
// file is read here, relative to the scenario file, and travels as PEM text with every plan.
import { X509Certificate } from 'node:crypto';
import type { TargetTls } from './plan.js';
import type { ScenarioFile } from './scenario-schema.js';
import { problem, unreadableFileMessage } from './scenario-problems.js';
import type { ScenarioFileProblem } from './scenario-problems.js';

/** Largest CA file accepted (it is copied into every agent's plan). */
export const MAX_CA_BYTES = 1024 * 1024;

/**
 * The Scenario's `tls` ({} when the file has none), or a problem at `tls.ca`: the file cannot be read,
 * is too large, or holds no PEM certificate Node can parse.
 */
export function targetTlsFromFile(
  tls: ScenarioFile['tls'],
  readData: (path: string) => string,
): { tls?: TargetTls } | { problem: ScenarioFileProblem } {
  if (tls === undefined) return {};
  if (tls.ca === undefined) return { tls: { insecureSkipVerify: tls.insecureSkipVerify } };
  let pem: string;
  try {
    pem = readData(tls.ca);
  } catch (e) {
    return { problem: problem(['tls', 'ca'], unreadableFileMessage(tls.ca, e)) };
  }
  if (Buffer.byteLength(pem) > MAX_CA_BYTES) return { problem: problem(['tls', 'ca'], `${tls.ca} is over ${MAX_CA_BYTES / 1048576} MiB; give the CA certificate(s) only`) };
  try {
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no "-----BEGIN CERTIFICATE-----" block');
    new X509Certificate(pem);
  } catch (e) {
    return { problem: problem(['tls', 'ca'], `${tls.ca} is not a PEM certificate (${(e as Error).message}); give the CA that signed the target's certificate`) };
  }
  return { tls: { insecureSkipVerify: tls.insecureSkipVerify, caPem: pem } };
}
