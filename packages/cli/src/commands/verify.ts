/**
 * `seclog verify FILE` checks an export bundle offline; `seclog verify --data
 * DIR` re-verifies a whole store. Exit 0 intact, 1 an integrity violation
 * (the first bad record and its kind on standard output), 2 usage or I/O.
 * The checks are the collector's (verifyBundleFile, verifyDataDir).
 */
import { readFile } from 'node:fs/promises';
import {
  type BundleFileVerification,
  COLLECTOR_DEFAULTS,
  type StoreVerification,
  verifyBundleFile,
  verifyDatabase,
  verifyDataDir,
} from '@seclog/collector';
import type { Command } from 'commander';
import { EXIT } from '../exit-codes.js';
import { startProgress } from './export.js';

interface VerifyFlags {
  data?: string | boolean;
  key?: string;
  keyFile?: string;
  checkpoint?: string;
  json?: boolean;
  workers?: string;
  checkpointGrace?: string;
  db?: string;
}

function count(v: string | undefined, flag: string, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${flag} must be an integer ≥ ${min}`);
  return n;
}

async function pinnedKey(flags: VerifyFlags): Promise<string | undefined> {
  if (flags.key !== undefined && flags.keyFile !== undefined) throw new Error('give --key or --key-file, not both');
  if (flags.keyFile !== undefined) return (await readFile(flags.keyFile, 'utf8')).trim();
  return flags.key;
}

const where = (f: { device?: string; stream?: string; seq?: number }): string =>
  f.device === undefined
    ? ''
    : `, device ${f.device}${f.stream === undefined ? '' : ` stream ${f.stream}`}${f.seq === undefined ? '' : ` seq ${f.seq}`}`;

function reportBundle(path: string, v: BundleFileVerification, json: boolean): number {
  const r = v.result;
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ file: path, trust: v.trust, verifierKey: v.verifierKey, seconds: v.seconds, ...r }, null, 2)}\n`,
    );
    return r.ok ? EXIT.ok : EXIT.failed;
  }
  if (!r.ok) {
    const leaf = r.index === undefined ? '' : `, leaf ${r.index}`;
    const at = {
      ...(r.deviceId === undefined ? {} : { device: r.deviceId }),
      ...(r.stream === undefined ? {} : { stream: r.stream }),
      ...(r.seq === undefined ? {} : { seq: r.seq }),
    };
    process.stdout.write(`FAILED: ${r.kind} at line ${r.line}${leaf}${where(at)}: ${r.detail}\n`);
    return EXIT.failed;
  }
  const trust =
    v.trust === 'pinned'
      ? `signed by the pinned key ${r.keyId}`
      : `signed by key ${r.keyId} named in the bundle itself (trusted on first use: pin the log's key with --key to check who signed)`;
  const seals =
    r.sealed === undefined
      ? 'no seals'
      : `${r.sealed.seals} seals checked in structure${r.sealed.uncheckedDevices.length > 0 ? ' (tags not checked: no k_0 given)' : ''}`;
  const lines = [
    `intact: ${path}`,
    `  ${r.events} events, ${r.devices} devices, ${r.streams} streams; ${r.gaps} gaps explained; ${seals}`,
    `  checkpoint: ${r.origin}, tree size ${r.treeSize}, root ${r.root}, ${trust}`,
  ];
  if (r.consistentWith !== undefined) lines.push(`  consistent with your checkpoint of tree size ${r.consistentWith}`);
  if (r.pruned !== undefined) {
    const at = r.pruned.first.at === null ? '' : ` at ${r.pruned.first.at}`;
    lines.push(
      `  ${r.pruned.count} events pruned by retention (first: leaf ${r.pruned.first.index}, pruned by retention${at}); their leaves verify, their records are gone`,
    );
  }
  lines.push(`  ${(r.events / Math.max(v.seconds, 1e-9)).toFixed(0)} events/s (${v.seconds.toFixed(2)} s)`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.ok;
}

function reportStore(dir: string, r: StoreVerification, json: boolean): number {
  if (json) {
    process.stdout.write(`${JSON.stringify({ data: dir, ...r }, null, 2)}\n`);
    return r.ok ? EXIT.ok : EXIT.failed;
  }
  if (!r.ok) {
    const what =
      r.target === 'tree_node' && r.node !== undefined
        ? `tree node (${r.node.level}, ${r.node.index})`
        : r.target === 'checkpoint' && r.checkpoint !== undefined
          ? `checkpoint of tree size ${r.checkpoint}`
          : `${r.target === 'event' ? 'row' : r.target} at position ${r.pos}`;
    process.stdout.write(`FAILED: ${r.kind}: ${what}${where(r)}: ${r.detail}\n`);
    return EXIT.failed;
  }
  const lines = [
    `intact: ${dir}`,
    `  ${r.events} events, ${r.devices} devices, ${r.streams} streams; ${r.gaps} recorded gaps; ${r.seals} seals verified`,
    `  tree size ${r.treeSize}, root ${r.root || '-'}, ${r.nodes} nodes checked; ${r.checkpoints} checkpoints signed by the log key, the latest of size ${r.latestCheckpoint}`,
  ];
  if (r.pruned !== undefined) lines.push(`  ${r.pruned} events pruned by retention: checked as leaves (docs/retention.md)`);
  if (r.unintegrated > 0) lines.push(`  ${r.unintegrated} events are not in the tree yet (the collector adds them when it next runs)`);
  lines.push(`  ${(r.events / Math.max(r.seconds, 1e-9)).toFixed(0)} events/s (${r.seconds.toFixed(2)} s)`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.ok;
}

export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .argument('[file]', 'an export bundle (seclog-bundle) to verify offline')
    .description('verify an export bundle offline, or (--data) re-verify every record, chain, seal, tree node and checkpoint of a store')
    .option('--data [dir]', `verify the store of a data directory (default ${COLLECTOR_DEFAULTS.dataDir}, or SECLOG_DATA_DIR)`)
    .option('--key <vkey>', "the log's verifier key to pin (name+id+key, as in log.vkey)")
    .option('--key-file <file>', 'read the verifier key to pin from a file (e.g. log.vkey)')
    .option('--checkpoint <file>', 'bundle: a checkpoint note you already hold; the bundle must extend it')
    .option('--checkpoint-grace <seconds>', '--data: leaves younger than this may lack a checkpoint (default 10)')
    .option('--workers <n>', 'worker threads (default: one per core; 0 for none)')
    .option('--json', 'print the result as JSON')
    .option(
      '--db <url>',
      '--data: verify the store in this PostgreSQL database (postgres://…; the key from the data directory), or SECLOG_DB',
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 intact, 1 integrity violation (the first bad record and its kind are printed), 2 usage or I/O error.',
    )
    .action(async (file: string | undefined, flags: VerifyFlags) => {
      const json = flags.json === true;
      let progress: ReturnType<typeof startProgress> | undefined;
      try {
        const key = await pinnedKey(flags);
        const workers = count(flags.workers, 'workers', 0);
        if (flags.data !== undefined || flags.db !== undefined) {
          if (file !== undefined) throw new Error('give a bundle file or --data, not both');
          const dir = typeof flags.data === 'string' ? flags.data : (process.env.SECLOG_DATA_DIR ?? COLLECTOR_DEFAULTS.dataDir);
          const grace = count(flags.checkpointGrace, 'checkpoint-grace', 0);
          progress = json ? undefined : startProgress('verify', 'positions');
          const db = flags.db ?? process.env.SECLOG_DB;
          if (db !== undefined && !/^postgres(ql)?:\/\//.test(db)) throw new Error('--db takes a postgres:// or postgresql:// URL');
          const options = {
            ...(key === undefined ? {} : { verifierKey: key }),
            ...(workers === undefined ? {} : { workers }),
            ...(grace === undefined ? {} : { checkpointGraceMs: grace * 1000 }),
            ...(progress === undefined ? {} : { onProgress: progress.update }),
          };
          const r = db === undefined ? await verifyDataDir(dir, options) : await verifyDatabase(dir, db, options);
          progress?.stop();
          process.exitCode = reportStore(dir, r, json);
          return;
        }
        if (file === undefined) throw new Error('give a bundle file to verify, or --data for a data directory');
        const trustedCheckpoint = flags.checkpoint === undefined ? undefined : await readFile(flags.checkpoint, 'utf8');
        progress = json ? undefined : startProgress('verify', 'bytes');
        const v = await verifyBundleFile(file, {
          ...(key === undefined ? {} : { verifierKeys: [key] }),
          ...(trustedCheckpoint === undefined ? {} : { trustedCheckpoint }),
          ...(workers === undefined ? {} : { workers }),
          ...(progress === undefined ? {} : { onProgress: progress.update }),
        });
        progress?.stop();
        process.exitCode = reportBundle(file, v, json);
      } catch (err) {
        progress?.stop();
        const e = err as Error & { code?: string };
        if (json)
          process.stdout.write(`${JSON.stringify({ ok: false, error: { code: e.code ?? 'USAGE', message: e.message } }, null, 2)}\n`);
        process.stderr.write(`seclog verify: ${e.message}\n`);
        process.exitCode = EXIT.usage;
      }
    });
}
