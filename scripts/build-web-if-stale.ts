/**
 * Builds the web app (`npm run build:web`: Vite, apps/web → apps/web/dist) when the build is
 * missing or stale, then writes a `.br` and a `.gz` beside each compressible file of it (the
 * api sends them to browsers that accept them) and a stamp. Stale: the stamp in dist does not
 * hold the digest of what the build reads now — every file under apps/web/src and
 * apps/web/public, apps/web/index.html, the Vite config and package-lock.json. A build made by
 * `npm run build:web` alone has no stamp, so the next run builds again.
 *
 *   node --import @swc-node/register/esm-register scripts/build-web-if-stale.ts [--force] [--keep-going]
 *
 * `npm start` passes --keep-going: a failed build is reported and the api starts anyway (it
 * answers `/` with a page saying to build). Without it a failed build exits 1. Two runs at
 * once (two engineers' test runs, `npm start` beside a test) take turns through a lock
 * directory in the system's temp folder; the second finds the build fresh.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WEB = join(ROOT, 'apps', 'web');
const DIST = join(WEB, 'dist');
const STAMP = join(DIST, '.build-stamp');
const INPUTS = [
  join(WEB, 'src'),
  join(WEB, 'public'),
  join(WEB, 'index.html'),
  join(WEB, 'vite.config.ts'),
  join(ROOT, 'package-lock.json'),
];
const COMPRESSIBLE = /\.(?:js|mjs|css|html|svg|json|map|txt|webmanifest)$/i;
/** Smaller files gain nothing from compression (a packet either way). */
const MIN_COMPRESS_BYTES = 1024;
const LOCK = join(
  tmpdir(),
  `branchflow-web-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`,
);
const LOCK_STALE_MS = 10 * 60_000;

async function filesUnder(path: string): Promise<string[]> {
  if (!existsSync(path)) return [];
  const info = await stat(path);
  if (info.isFile()) return [path];
  const entries = await readdir(path, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    files.push(...(await filesUnder(join(path, entry.name))));
  }
  return files;
}

/** The digest of everything the build reads: each file's path and content. */
export async function sourceDigest(): Promise<string> {
  const hash = createHash('sha256');
  for (const input of INPUTS) {
    for (const file of await filesUnder(input)) {
      hash
        .update(relative(ROOT, file))
        .update('\0')
        .update(await readFile(file))
        .update('\0');
    }
  }
  return hash.digest('hex');
}

/** Whether apps/web/dist is a build of the sources as they are now. */
export async function isFresh(digest: string): Promise<boolean> {
  if (!existsSync(join(DIST, 'index.html')) || !existsSync(STAMP)) return false;
  return (await readFile(STAMP, 'utf8')).trim() === digest;
}

/** Writes `<file>.br` and `<file>.gz` beside each compressible file of the build. */
async function precompress(): Promise<{ files: number; bytes: number; gzip: number }> {
  let files = 0;
  let bytes = 0;
  let gzip = 0;
  for (const file of await filesUnder(DIST)) {
    if (!COMPRESSIBLE.test(file)) continue;
    const content = await readFile(file);
    if (content.length < MIN_COMPRESS_BYTES) continue;
    const gz = gzipSync(content, { level: 9 });
    const br = brotliCompressSync(content, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: content.length,
      },
    });
    await writeFile(`${file}.gz`, gz);
    await writeFile(`${file}.br`, br);
    files += 1;
    bytes += content.length;
    gzip += gz.length;
  }
  return { files, bytes, gzip };
}

async function withLock<T>(work: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      await mkdir(LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = Date.now() - (await stat(LOCK).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > LOCK_STALE_MS) {
        await rm(LOCK, { recursive: true, force: true });
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  try {
    return await work();
  } finally {
    await rm(LOCK, { recursive: true, force: true });
  }
}

/** Builds when stale (or forced); answers what it did. Throws when the build fails. */
export async function buildWebIfStale(force = false): Promise<'fresh' | 'built'> {
  return withLock(async () => {
    const digest = await sourceDigest();
    if (!force && (await isFresh(digest))) return 'fresh';
    const started = Date.now();
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const run = spawnSync(npm, ['run', '-s', 'build:web'], { cwd: ROOT, stdio: 'inherit' });
    if (run.status !== 0) {
      throw new Error(
        `npm run build:web failed (${run.error?.message ?? `exit ${run.status ?? run.signal}`})`,
      );
    }
    const packed = await precompress();
    await writeFile(STAMP, `${digest}\n`);
    process.stdout.write(
      `web app built in ${((Date.now() - started) / 1000).toFixed(1)} s; ${packed.files} file(s) pre-compressed (${(packed.bytes / 1024).toFixed(0)} KB, ${(packed.gzip / 1024).toFixed(0)} KB gzip)\n`,
    );
    return 'built';
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.filter((arg) => arg !== '--force' && arg !== '--keep-going');
  if (unknown.length > 0) {
    process.stderr.write(
      `build-web-if-stale: unknown option ${unknown[0]} (use --force, --keep-going)\n`,
    );
    process.exit(2);
  }
  try {
    const outcome = await buildWebIfStale(args.includes('--force'));
    if (outcome === 'fresh') process.stdout.write('web app: the build is up to date\n');
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    if (args.includes('--keep-going')) {
      process.stderr.write(
        `web app not built: ${text}. The api starts anyway; / says to run npm run build:web.\n`,
      );
      return;
    }
    process.stderr.write(`web app not built: ${text}\n`);
    process.exit(1);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  void main();
}
