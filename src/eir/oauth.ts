/**
 * OAuth2 bearer tokens on N5g-eir (TS 33.501 §13.4.1, TS 29.510 `AccessTokenClaims`): a consumer
 * NF presents `Authorization: Bearer <JWT>` issued by the NRF for scope `n5g-eir-eic` and audience
 * the 5G-EIR's NF type (`5G_EIR`) or instance id. Failures follow RFC 6750 §3: 401 with
 * `WWW-Authenticate: Bearer … error="invalid_token"`, 403 `insufficient_scope`.
 *
 * Verification is node:crypto rather than a JWT library: one key, three algorithms (RS256, ES256,
 * EdDSA) bound to the key's type, so `alg: none` and algorithm confusion (HS256 with the public
 * key as a secret) cannot pass. Verified tokens are cached by their header string until `exp`, so
 * a client reusing its token costs one Map lookup per request.
 */
import { createPublicKey, verify, X509Certificate, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

export type JwtAlgorithm = 'RS256' | 'ES256' | 'EdDSA';

export interface OAuthOptions {
  /** A PEM file (public key, certificate or private key) or a JSON file holding a JWK or a JWK set. */
  keyFile?: string;
  /** The same, given in memory: PEM text, a KeyObject, a JWK or a JWK set. */
  key?: string | KeyObject | JsonWebKey | { keys: JsonWebKey[] };
  /** Accepted `aud` values: the token's `aud` (string or array) must name one. Default `5G_EIR`. */
  audience?: string | string[];
  /** Required scope (one word of the space-separated `scope` claim). Default `n5g-eir-eic`. */
  scope?: string;
  /** When set, `iss` must equal it (the NRF's instance id). */
  issuer?: string;
  /** Tolerance on `exp` and `nbf`, in seconds. Default 30. */
  clockSkewSeconds?: number;
  /** At most this many verified tokens are remembered. Default 10 000. */
  cacheSize?: number;
  /** `realm` of the challenge. Default `5G_EIR`. */
  realm?: string;
  /** Clock in milliseconds since the epoch (tests). Default `Date.now`. */
  now?: () => number;
}

/** A refusal, ready to send: status, challenge and a TS 29.571 ProblemDetails body. */
export interface AuthFailure {
  status: 401 | 403;
  wwwAuthenticate: string;
  problem: { title: string; status: number; detail: string };
}

/** Returns undefined when the request may proceed, else the refusal. */
export type BearerVerifier = (authorization: string | undefined) => AuthFailure | undefined;

interface VerifyKey {
  key: KeyObject;
  alg: JwtAlgorithm;
  kid?: string;
}

/** The one algorithm a key may verify; throws for key types outside RS256/ES256/EdDSA. */
function algorithmOf(key: KeyObject): JwtAlgorithm {
  const type = key.asymmetricKeyType;
  if (type === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) throw new Error(`OAuth key: an RSA key must have at least 2048 bits, this one has ${bits}`);
    return 'RS256';
  }
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve !== 'prime256v1') throw new Error(`OAuth key: an EC key must be on P-256 for ES256, this one is on ${curve}`);
    return 'ES256';
  }
  if (type === 'ed25519' || type === 'ed448') return 'EdDSA';
  throw new Error(`OAuth key: key type ${type} is not supported (RS256, ES256 or EdDSA)`);
}

function fromJwk(jwk: JsonWebKey): VerifyKey {
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  const alg = algorithmOf(key);
  if (typeof jwk.alg === 'string' && jwk.alg !== alg) {
    throw new Error(`OAuth key: the JWK says alg ${jwk.alg} but its key type verifies ${alg}`);
  }
  return { key, alg, kid: typeof jwk.kid === 'string' ? jwk.kid : undefined };
}

function fromPem(pem: string): VerifyKey {
  const key = pem.includes('BEGIN CERTIFICATE') ? new X509Certificate(pem).publicKey : createPublicKey(pem);
  return { key, alg: algorithmOf(key) };
}

/** The configured verification keys (several only for a JWK set, chosen by `kid`). */
export function loadVerifyKeys(opts: Pick<OAuthOptions, 'key' | 'keyFile'>): VerifyKey[] {
  let source = opts.key;
  if (source === undefined) {
    if (!opts.keyFile) throw new Error('OAuth: give keyFile or key');
    const text = readFileSync(opts.keyFile, 'utf8');
    source = text.trimStart().startsWith('{') ? (JSON.parse(text) as JsonWebKey | { keys: JsonWebKey[] }) : text;
  }
  if (typeof source === 'string') return [fromPem(source)];
  if (isKeyObject(source)) return [{ key: source, alg: algorithmOf(source) }];
  if (Array.isArray((source as { keys?: unknown }).keys)) {
    const keys = (source as { keys: JsonWebKey[] }).keys.map(fromJwk);
    if (keys.length === 0) throw new Error('OAuth key: the JWK set is empty');
    return keys;
  }
  return [fromJwk(source as JsonWebKey)];
}

function isKeyObject(v: unknown): v is KeyObject {
  return typeof v === 'object' && v !== null && typeof (v as KeyObject).asymmetricKeyType !== 'undefined' && typeof (v as KeyObject).export === 'function';
}

function b64json(part: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** RFC 6750 §3: error_description is limited to printable ASCII without `"` and `\`. */
function quoteSafe(s: string): string {
  return s.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, ' ');
}

/** Build the verifier once at start (keys parsed, failures of configuration thrown here). */
export function createBearerVerifier(opts: OAuthOptions): BearerVerifier {
  const keys = loadVerifyKeys(opts);
  const audiences = new Set(Array.isArray(opts.audience) ? opts.audience : [opts.audience ?? '5G_EIR']);
  const scope = opts.scope ?? 'n5g-eir-eic';
  const skewMs = (opts.clockSkewSeconds ?? 30) * 1000;
  const cacheSize = Math.max(1, opts.cacheSize ?? 10_000);
  const realm = quoteSafe(opts.realm ?? '5G_EIR');
  const now = opts.now ?? Date.now;
  /** header string → the time (ms) after which the token is no longer accepted. */
  const cache = new Map<string, number>();

  const missing: AuthFailure = {
    status: 401,
    wwwAuthenticate: `Bearer realm="${realm}"`,
    problem: { title: 'Unauthorized', status: 401, detail: 'An OAuth2 bearer token is required (Authorization: Bearer <token>).' },
  };
  const invalid = (why: string): AuthFailure => ({
    status: 401,
    wwwAuthenticate: `Bearer realm="${realm}", error="invalid_token", error_description="${quoteSafe(why)}"`,
    problem: { title: 'Unauthorized', status: 401, detail: why },
  });

  function check(authorization: string): AuthFailure | number {
    if (authorization.length > 16384) return invalid('The access token is too long.');
    const space = authorization.indexOf(' ');
    if (space < 0 || authorization.slice(0, space).toLowerCase() !== 'bearer') return missing;
    const token = authorization.slice(space + 1).trim();
    const parts = token.split('.');
    if (parts.length !== 3) return invalid('The access token is not a signed JWT (three base64url parts).');
    const header = b64json(parts[0]);
    if (!header) return invalid('The JWT header is not a JSON object.');
    const alg = header.alg;
    if (alg === 'none' || typeof alg !== 'string') return invalid('Unsigned JWTs (alg "none") are refused.');
    if (header.crit !== undefined) return invalid('The JWT has critical header parameters this server does not understand.');
    const kid = typeof header.kid === 'string' ? header.kid : undefined;
    const key = (kid !== undefined && keys.find((k) => k.kid === kid)) || (keys.length === 1 ? keys[0] : undefined);
    if (!key) return invalid(`No configured key matches the JWT key id ${JSON.stringify(kid ?? null)}.`);
    if (alg !== key.alg) return invalid(`The JWT algorithm ${alg} does not match the configured key (${key.alg}).`);
    const signed = Buffer.from(`${parts[0]}.${parts[1]}`, 'ascii');
    const signature = Buffer.from(parts[2], 'base64url');
    let good: boolean;
    try {
      good =
        alg === 'RS256'
          ? verify('sha256', signed, key.key, signature)
          : alg === 'ES256'
            ? verify('sha256', signed, { key: key.key, dsaEncoding: 'ieee-p1363' }, signature)
            : verify(null, signed, key.key, signature);
    } catch {
      good = false;
    }
    if (!good) return invalid('The JWT signature does not verify.');
    const claims = b64json(parts[1]);
    if (!claims) return invalid('The JWT claims are not a JSON object.');
    const t = now();
    if (typeof claims.exp !== 'number') return invalid('The JWT has no exp claim.');
    if (t > claims.exp * 1000 + skewMs) return invalid('The access token expired.');
    if (typeof claims.nbf === 'number' && t + skewMs < claims.nbf * 1000) return invalid('The access token is not valid yet (nbf).');
    const aud = claims.aud;
    const auds = Array.isArray(aud) ? aud : [aud];
    if (!auds.some((a) => typeof a === 'string' && audiences.has(a))) {
      return invalid(`The access token audience ${JSON.stringify(aud ?? null)} is not this 5G-EIR (${[...audiences].join(', ')}).`);
    }
    if (opts.issuer !== undefined && claims.iss !== opts.issuer) return invalid('The access token issuer is not the configured NRF.');
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
    if (!scopes.includes(scope)) {
      return {
        status: 403,
        wwwAuthenticate: `Bearer realm="${realm}", error="insufficient_scope", scope="${quoteSafe(scope)}"`,
        problem: { title: 'Forbidden', status: 403, detail: `The access token does not grant the scope ${scope}.` },
      };
    }
    return claims.exp * 1000 + skewMs;
  }

  return (authorization) => {
    if (authorization === undefined || authorization === '') return missing;
    const until = cache.get(authorization);
    if (until !== undefined) {
      if (now() <= until) return undefined;
      cache.delete(authorization);
    }
    const r = check(authorization);
    if (typeof r !== 'number') return r;
    // Bounded: the oldest insertion goes first (a Map iterates in insertion order).
    if (cache.size >= cacheSize) cache.delete(cache.keys().next().value as string);
    cache.set(authorization, r);
    return undefined;
  };
}
