/**
 * Zip files already on disk into one archive (deflate; ZIP64 when an entry passes 4 GiB, which a
 * full national list can), with yazl, yauzl's writing twin; the archive's SHA-256 is taken as it
 * is written.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';

export async function zipFiles(target: string, files: { path: string; name: string }[], mtime: Date): Promise<{ sha256: string; bytes: number }> {
  const zip = new ZipFile();
  for (const f of files) zip.addFile(f.path, f.name, { mtime, compress: true });
  zip.end();
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(zip.outputStream, tap, createWriteStream(target));
  return { sha256: hash.digest('hex'), bytes };
}
