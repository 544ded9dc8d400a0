// The scenario file's `tls` (scenario/schema.ts) to the Scenario's (common/plan/agent-plan.ts TargetTls): the CA
// file is read here, relative to the scenario file, and travels as PEM text with every plan.
import { X509Certificate } from 'node:crypto';
import type { TargetTls } from '../plan/agent-plan.js';
import type { ScenarioFile } from './schema.js';
import { problem, unreadableFileMessage } from './problems.js';
import type { ScenarioFileProblem } from './problems.js';

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
  // A bundle (several CAs, e.g. an intermediate and its root) is trusted whole: every block must parse.
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  let at = 0;
  try {
    if (blocks.length === 0) throw new Error('no "-----BEGIN CERTIFICATE-----" ... "-----END CERTIFICATE-----" block');
    for (const block of blocks) {
      at++;
      new X509Certificate(block);
    }
  } catch (e) {
    const which = blocks.length > 1 ? ` (certificate ${at} of ${blocks.length})` : '';
    return { problem: problem(['tls', 'ca'], `${tls.ca} is not a PEM certificate${which} (${(e as Error).message}); give the CA that signed the target's certificate`) };
  }
  return { tls: { insecureSkipVerify: tls.insecureSkipVerify, caPem: pem } };
}
