import { strict as assert } from 'node:assert';
import { DecodeError, VERDICT_REASONS, VerdictError } from '../../../consensus/index.js';
import {
  BAN_SCORE,
  judgeError,
  PROTOCOL_PENALTIES,
  penaltyOf,
  VERDICT_PENALTIES,
} from '../../../p2p/index.js';

describe('p2p penalties', () => {
  it('gives every consensus reason a penalty, invalid blocks a ban', () => {
    for (const r of VERDICT_REASONS) {
      assert.equal(typeof VERDICT_PENALTIES[r], 'number', r);
      assert.ok(VERDICT_PENALTIES[r] > 0, r);
    }
    assert.equal(Object.keys(VERDICT_PENALTIES).length, VERDICT_REASONS.length);
    for (const r of [
      'high-hash',
      'bad-txnmrklroot',
      'bad-model-improvement',
      'bad-cb-amount',
      'bad-txns-sig',
    ] as const) {
      assert.equal(penaltyOf(r), BAN_SCORE);
    }
    assert.equal(PROTOCOL_PENALTIES['malformed-message'], BAN_SCORE);
    assert.ok(PROTOCOL_PENALTIES['request-timeout'] < 10);
    assert.equal(PROTOCOL_PENALTIES['wrong-network'], 0);
    assert.equal(PROTOCOL_PENALTIES['oversize-message'], BAN_SCORE);
    assert.equal(PROTOCOL_PENALTIES['stream-flood'] * 10, BAN_SCORE, 'ten excess streams are a ban');
  });

  it('judges errors: invalid punishes, context and policy do not', () => {
    assert.deepEqual(judgeError(new VerdictError('bad-txnmrklroot'), null), {
      verdict: 'reject',
      code: 'bad-txnmrklroot',
      penalty: 100,
      reason: 'bad-txnmrklroot',
    });
    assert.deepEqual(judgeError(new VerdictError('time-too-new', 'x', 'context'), null), {
      verdict: 'ignore',
      reason: 'time-too-new',
    });
    const policy = Object.assign(new Error('fee'), { reason: 'min relay fee not met', level: 'policy' });
    assert.equal(judgeError(policy, null).verdict, 'ignore');
    const txInvalid = Object.assign(new Error('sig'), { reason: 'bad-txns-sig', level: 'invalid' });
    assert.deepEqual(judgeError(txInvalid, null), {
      verdict: 'reject',
      code: 'bad-txns-sig',
      penalty: 100,
      reason: 'bad-txns-sig',
    });
    const decode = new DecodeError({ code: 'DECODE_TRAILING_BYTES', extra: 1 });
    assert.deepEqual(judgeError(decode, null), {
      verdict: 'reject',
      code: 'malformed-message',
      penalty: 100,
      reason: 'DECODE_TRAILING_BYTES',
    });
    // Oversize is the severe penalty wherever it is detected (here: a decoder's bound).
    const oversize = new DecodeError({ code: 'DECODE_OVERSIZE', what: 'signed delta', size: 9, max: 8 });
    assert.deepEqual(judgeError(oversize, 'invalid-delta'), {
      verdict: 'reject',
      code: 'oversize-message',
      penalty: BAN_SCORE,
      reason: 'DECODE_OVERSIZE',
    });
    // Our own failures never punish, unless the sink's contract says a throw means invalid.
    assert.equal(judgeError(new Error('disk'), null).verdict, 'ignore');
    const delta = judgeError(new Error('bad delta'), 'invalid-delta');
    assert.equal(delta.verdict, 'reject');
    assert.equal(delta.verdict === 'reject' ? delta.penalty : 0, PROTOCOL_PENALTIES['invalid-delta']);
  });
});
