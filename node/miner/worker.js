// Proof-of-work search worker. Plain ESM JavaScript on purpose: it needs no TypeScript loader, so
// it runs the same under mocha + tsx, under the `tsx` CLI and from compiled output (spawned with
// an empty execArgv). It only uses node:crypto.
//
// workerData: { control: SharedArrayBuffer } — Int32Array slot 0 is the generation counter. A job
// runs while the counter still equals the job's `gen`; the main thread bumps it to interrupt.
//
// in:  { id, header: ArrayBuffer (116 bytes), target: ArrayBuffer (32 bytes, big-endian),
//        nonceLo, nonceHi (u32 halves of the first nonce), count, gen }
// out: { id, type: 'progress', hashes }                       every PROGRESS_EVERY hashes
//      { id, type: 'found', nonceLo, nonceHi, hash: ArrayBuffer, hashes, total }
//      { id, type: 'aborted', hashes, total } | { id, type: 'exhausted', hashes, total }
//      { id, type: 'error', error }
// `hashes` counts the hashes not yet reported by progress messages; `total` those of the whole job.
import * as crypto from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';

const NONCE_OFFSET = 108;
const HEADER_SIZE = 116;
/** Nonces between two reads of the interrupt flag (a power of two). */
const CHECK_EVERY = 2048;
/** Nonces between two progress reports (a multiple of CHECK_EVERY). */
const PROGRESS_EVERY = 32768;

const control = new Int32Array(workerData.control);

const sha256 =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'buffer')
    : (data) => crypto.createHash('sha256').update(data).digest();

function search(job) {
  const header = Buffer.from(job.header);
  const target = Buffer.from(job.target);
  if (header.length !== HEADER_SIZE || target.length !== 32) {
    return { id: job.id, type: 'error', error: 'bad job: header must be 116 bytes, target 32' };
  }
  let lo = job.nonceLo >>> 0;
  let hi = job.nonceHi >>> 0;
  let reported = 0;
  for (let i = 0; i < job.count; i++) {
    if (i % CHECK_EVERY === 0) {
      if (Atomics.load(control, 0) !== job.gen) {
        return { id: job.id, type: 'aborted', hashes: i - reported, total: i };
      }
      if (i > 0 && i % PROGRESS_EVERY === 0) {
        parentPort.postMessage({ id: job.id, type: 'progress', hashes: i - reported });
        reported = i;
      }
    }
    header.writeUInt32LE(lo, NONCE_OFFSET);
    header.writeUInt32LE(hi, NONCE_OFFSET + 4);
    const hash = sha256(sha256(header));
    if (hash.compare(target) <= 0) {
      const out = new Uint8Array(32);
      out.set(hash);
      return {
        id: job.id,
        type: 'found',
        nonceLo: lo,
        nonceHi: hi,
        hash: out.buffer,
        hashes: i + 1 - reported,
        total: i + 1,
      };
    }
    lo = (lo + 1) >>> 0;
    if (lo === 0) hi = (hi + 1) >>> 0;
  }
  return { id: job.id, type: 'exhausted', hashes: job.count - reported, total: job.count };
}

parentPort.on('message', (job) => {
  let reply;
  try {
    reply = search(job);
  } catch (err) {
    reply = { id: job.id, type: 'error', error: String(err) };
  }
  parentPort.postMessage(reply);
});
