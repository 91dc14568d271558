// Verify-pool worker thread. Plain ESM JavaScript on purpose: it needs no TypeScript loader, so
// it runs the same under mocha + tsx, under `tsx`, and from compiled output (spawned with an
// empty execArgv). It only imports bcrypto's BIP340 module (`lib/schnorr`, not `lib/secp256k1`).
//
// Protocol (see pool.ts): out 'ready' once bcrypto is loaded; in { id, buf: ArrayBuffer, count },
// `count` records of 128 bytes (msg 32 | sig 64 | pubkey 32), all well-formed; out { id, index }
// with the first invalid record's index or -1, or { id, error } if something threw. In 'stop':
// the worker closes its port after the tasks queued before it and exits.
//
// The pool never terminates this thread while it may be inside bcrypto (loading it, or in a
// verification): a Node-API call made while the thread is being terminated fails, and bcrypto
// asserts on that, which aborts the whole process (seen: `napi_set_named_property(...) ==
// napi_ok` failed in bcrypto's module init, a test's stop right after start).
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
  if (task === 'stop') {
    parentPort.close();
    return;
  }
  try {
    parentPort.postMessage({ id: task.id, index: firstInvalid(task.buf, task.count) });
  } catch (err) {
    parentPort.postMessage({ id: task.id, error: String(err) });
  }
});

parentPort.postMessage('ready');
