/** The Ed25519 key pair that signs list manifests: created once, kept as a PEM file (mode 0600). */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { CountryProfile } from '../config/profile.ts';
import { CeirError } from '../errors.ts';
import { jwkThumbprint } from './jws.ts';

export interface SigningKey {
  /** Where the private key is kept. */
  file: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicPem: string;
  /** RFC 7638 thumbprint of the public key: the `kid` of every signature. */
  thumbprint: string;
  /** True when this call created the key. */
  created: boolean;
}

/**
 * The private key file: the profile's `lists.signing_key_file` (relative to the profile's
 * folder), else `<data dir>/keys/lists-ed25519.pem`.
 */
export function signingKeyPath(profile: CountryProfile, profileFile: string, dataDir: string): string {
  const f = profile.lists.signing_key_file;
  if (f) return isAbsolute(f) ? f : resolve(dirname(profileFile), f);
  return join(dataDir, 'keys', 'lists-ed25519.pem');
}

function fromPrivate(file: string, privateKey: KeyObject, created: boolean): SigningKey {
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new CeirError('CEIR_ERR_CONFIG_INVALID', `${file}: not an Ed25519 private key (${privateKey.asymmetricKeyType})`);
  const publicKey = createPublicKey(privateKey);
  return {
    file, privateKey, publicKey, created,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    thumbprint: jwkThumbprint(publicKey),
  };
}

/** Read the signing key. */
export function loadSigningKey(file: string): SigningKey {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CeirError('CEIR_ERR_NOT_FOUND', `${file}: cannot read the lists signing key (${(e as Error).message}); \`ceir keys\` creates it`);
  }
  try {
    return fromPrivate(file, createPrivateKey(pem), false);
  } catch (e) {
    if (e instanceof CeirError) throw e;
    throw new CeirError('CEIR_ERR_CONFIG_INVALID', `${file}: not a PEM private key (${(e as Error).message})`);
  }
}

/** Read the signing key, creating it first if the file does not exist. */
export function ensureSigningKey(file: string): SigningKey {
  if (existsSync(file)) return loadSigningKey(file);
  const { privateKey } = generateKeyPairSync('ed25519');
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  return fromPrivate(file, privateKey, true);
}

/** A public key from a PEM file (SPKI public key, or a private key whose public half is taken). */
export function loadPublicKey(file: string): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CeirError('CEIR_ERR_NOT_FOUND', `${file}: cannot read the public key (${(e as Error).message})`);
  }
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`a ${key.asymmetricKeyType} key`);
    return key;
  } catch (e) {
    throw new CeirError('CEIR_ERR_USAGE', `${file}: not an Ed25519 public key in PEM (${(e as Error).message})`);
  }
}
