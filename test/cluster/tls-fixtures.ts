// Test certificates made with openssl(1): a cluster CA, a member certificate it signed, and a stranger's self-signed one.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestPki {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
  readonly strangerCert: string;
  readonly strangerKey: string;
}

export const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

function openssl(args: string[]): void {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
}

export function makePki(dir: string): TestPki {
  const p = (n: string): string => join(dir, n);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '2', '-subj', '/CN=weir test CA']);
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', p('node.key'), '-out', p('node.csr'), '-subj', '/CN=weir node']);
  writeFileSync(p('ext.cnf'), 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n');
  openssl(['x509', '-req', '-in', p('node.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('node.pem'), '-days', '2', '-extfile', p('ext.cnf')]);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', p('stranger.key'), '-out', p('stranger.pem'), '-days', '2', '-subj', '/CN=stranger']);
  return { ca: p('ca.pem'), cert: p('node.pem'), key: p('node.key'), strangerCert: p('stranger.pem'), strangerKey: p('stranger.key') };
}

export function tlsFiles(pki: TestPki, stranger = false): { cert: Buffer; key: Buffer; ca: Buffer } {
  return { cert: readFileSync(stranger ? pki.strangerCert : pki.cert), key: readFileSync(stranger ? pki.strangerKey : pki.key), ca: readFileSync(pki.ca) };
}
