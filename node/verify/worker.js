// Verify-pool worker thread. Plain ESM JavaScript on purpose: it needs no TypeScript loader, so
// it runs the same under mocha + tsx, under `tsx`, and from compiled output (spawned with an
// empty execArgv). It only imports bcrypto's BIP340 module (`lib/schnorr`, not `lib/secp256k1`).
//
// Protocol (see pool.ts): in  { id, buf: ArrayBuffer, count }, `count` records of 128 bytes
// (msg 32 | sig 64 | pubkey 32), all well-formed; out { id, index } with the first invalid
// record's index or -1, or { id, error } if something threw.
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';

const requireCjs = createRequire(import.meta.url);
const native = requireCjs('bcrypto/lib/schnorr');

const RECORD = 128;

function firstInvalid(buf, count) {
  const batch = new Array(count);
  for (let i = 0; i < count; i++) {
    const o = i * RECORD;
    batch[i] = [Buffer.from(buf, o, 32), Buffer.from(buf, o + 32, 64), Buffer.from(buf, o + 96, 32)];
  }
  if (native.verifyBatch(batch)) return -1;
  for (let i = 0; i < count; i++) {
    const [msg, sig, pubkey] = batch[i];
    if (!native.verify(msg, sig, pubkey)) return i;
  }
  return -1;
}

parentPort.on('message', (task) => {
  try {
    parentPort.postMessage({ id: task.id, index: firstInvalid(task.buf, task.count) });
  } catch (err) {
    parentPort.postMessage({ id: task.id, error: String(err) });
  }
});
