// The gateways' TLS pair: self-signed, made once per lab with the gateway
// module's generator (the same one the local target uses), reused by every
// region. A learner trusts one file: $LAB_STATE_DIR/kind/tls/tls.crt.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { makeSelfSignedCert } from '../../gateway/tls.js';
import type { KindPaths } from './paths.js';

export const TLS_HOSTS = ['localhost', '127.0.0.1'];
/** A kind lab may live for months; the local pair only lives until `lab:down`. */
const TLS_DAYS = 825;

/** Make the pair if it is missing. Returns true when it made one. */
export async function ensureTlsPair(paths: KindPaths): Promise<boolean> {
  if (existsSync(paths.tlsCert) && existsSync(paths.tlsKey)) return false;
  mkdirSync(paths.tlsDir, { recursive: true, mode: 0o700 });
  const { cert, key } = await makeSelfSignedCert({ hosts: TLS_HOSTS, days: TLS_DAYS });
  writeFileSync(paths.tlsKey, key, { mode: 0o600 });
  chmodSync(paths.tlsKey, 0o600);
  writeFileSync(paths.tlsCert, cert);
  return true;
}
