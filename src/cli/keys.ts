/** `ceir keys [--out DIR]`: create (if missing) and show the key pair that signs list manifests. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ensureSigningKey, signingKeyPath, type SigningKey } from '../lists/keys.ts';
import { configPath, dataDir, loadConfig, printJson, type GlobalOptions } from './context.ts';

/** The signing key of this installation (profile's `lists.signing_key_file`, else in the data folder). */
export function installationKey(g: GlobalOptions): SigningKey {
  return ensureSigningKey(signingKeyPath(loadConfig(g), configPath(g), dataDir(g)));
}

export function registerKeys(program: Command, globals: () => GlobalOptions): void {
  program
    .command('keys')
    .description('create (if missing) and show the Ed25519 key pair that signs list manifests')
    .option('--out <dir>', 'also write the public key there (PEM and JWK) to hand to operators')
    .action((o: { out?: string }) => {
      const g = globals();
      const key = installationKey(g);
      const jwk = { ...key.publicKey.export({ format: 'jwk' }), kid: key.thumbprint, alg: 'EdDSA', use: 'sig' };
      const written: string[] = [];
      if (o.out) {
        mkdirSync(o.out, { recursive: true });
        const pem = join(o.out, 'lists-ed25519.pub.pem');
        const jwkFile = join(o.out, 'lists-ed25519.jwk.json');
        writeFileSync(pem, key.publicPem);
        writeFileSync(jwkFile, `${JSON.stringify(jwk, null, 2)}\n`);
        written.push(pem, jwkFile);
      }
      if (g.json) {
        printJson({ private_key_file: key.file, created: key.created, thumbprint: key.thumbprint, public_key_pem: key.publicPem, jwk, written });
        return;
      }
      const lines = [
        `lists signing key (Ed25519): ${key.file}${key.created ? ' (created now)' : ''}`,
        `public key thumbprint (RFC 7638, SHA-256): ${key.thumbprint}`,
        key.publicPem.trimEnd(),
        ...written.map((f) => `wrote ${f}`),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
