/**
 * BIP340 verification throughput: noble on one core (the consensus reference, baseline), bcrypto
 * (native libsecp256k1) on one thread, and the VerifyPool on every core.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { getPublicKey, nobleVerifier, type SigCheck, type SigVerifier, sign } from '../../consensus/index.js';
import { bcryptoVerifier, VerifyPool } from '../../node/verify/index.js';
import { measure, printTable } from './harness.js';

/** Checks per batch; made of UNIQUE distinct signatures repeated (noble signing is slow). */
const SIGNATURES = 4000;
const UNIQUE = 2000;
const NOBLE_BATCH = 250;

function makeChecks(count: number): SigCheck[] {
  const checks: SigCheck[] = [];
  const aux = new Uint8Array(32);
  for (let i = 0; i < count; i++) {
    const sk = new Uint8Array(32);
    const msg = new Uint8Array(32);
    new DataView(sk.buffer).setUint32(28, i + 1);
    new DataView(sk.buffer).setUint32(0, 0x51ab1e5);
    new DataView(msg.buffer).setUint32(0, i * 2654435761);
    checks.push({ msg, sig: sign(msg, sk, aux), pubkey: getPublicKey(sk) });
  }
  return checks;
}

/** A bench step that fails loudly if the verifier does not accept the whole (valid) batch. */
function allValid(v: SigVerifier, checks: readonly SigCheck[]): () => Promise<void> {
  return async () => {
    const bad = await v.verifyBatch(checks);
    if (bad !== -1) throw new Error(`verifier rejected valid signature #${bad}`);
  };
}

export async function run(): Promise<void> {
  const t0 = performance.now();
  const unique = makeChecks(UNIQUE);
  const checks = Array.from({ length: SIGNATURES }, (_, i) => unique[i % UNIQUE]!);
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(`signed ${UNIQUE} messages with noble in ${secs} s; batches of ${SIGNATURES} checks`);

  const threads = availableParallelism();
  const pool = new VerifyPool({ threads }, {});
  await pool.start();
  try {
    const rows = [
      await measure('noble (1 core)', allValid(nobleVerifier, checks.slice(0, NOBLE_BATCH)), {
        opsPerCall: NOBLE_BATCH,
      }),
      await measure('bcrypto (1 thread)', allValid(bcryptoVerifier, checks), { opsPerCall: SIGNATURES }),
      await measure(`VerifyPool (${threads} threads)`, allValid(pool, checks), { opsPerCall: SIGNATURES }),
    ];
    printTable(`BIP340 verify, batches of ${SIGNATURES} signatures`, rows, 'noble (1 core)');
  } finally {
    await pool.stop();
  }
}
