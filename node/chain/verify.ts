/**
 * `qenex chain verify`: replays the stored best chain from genesis with full consensus validation
 * into a fresh in-memory UTXO set and compares what the database holds: the height index against
 * the chain of prev hashes, every entry's status / work / weight / issuance, every undo record,
 * the best-chain pointer, the tip model checkpoint and, exactly, the UTXO set.
 * Works on the database alone (no Chain needed), so a test can check a database as a crash left it.
 */
import {
  type BlockTransitionResult,
  blockWeight,
  blockWithIds,
  type Coin,
  CoinView,
  type Evaluator,
  encodeUndo,
  equalBytes,
  type GrowthRecord,
  genesisBlock,
  growthWindowOf,
  type Hash,
  initialLevelState,
  levelStateAfter,
  MemoryUtxoSet,
  medianTimePast,
  type NetworkParams,
  nextBits,
  type Payout,
  retargetStartHeight,
  type SigVerifier,
  sameLevelState,
  toHex,
  VerdictError,
  validateBlockTransition,
  workFromBits,
} from '../../consensus/index.js';
import { type ChainDb, utxoSnapshotFromDb } from '../db/index.js';
import { ChainError } from './errors.js';
import type { VerifyReport } from './types.js';

export interface VerifyDeps<M> {
  readonly db: ChainDb;
  readonly params: NetworkParams;
  readonly evaluator: Evaluator<M>;
  readonly verifier: SigVerifier;
  readonly clock: () => number;
}

const MAX_LISTED = 50;

/** Verifies the stored best chain; returns the report or throws CHAIN_VERIFY_MISMATCH. */
export async function verifyStoredChain<M>(deps: VerifyDeps<M>): Promise<VerifyReport> {
  const report = await replayStoredChain(deps);
  if (report.mismatches.length > 0) {
    throw new ChainError({ code: 'CHAIN_VERIFY_MISMATCH', mismatches: report.mismatches });
  }
  return report;
}

/** Same as verifyStoredChain but always returns the report (mismatches listed in it). */
export async function replayStoredChain<M>(deps: VerifyDeps<M>): Promise<VerifyReport> {
  const { db, params, evaluator, verifier } = deps;
  const mismatches: string[] = [];
  const bad = (m: string): void => {
    mismatches.push(m);
  };
  const state = await db.getChainState();
  const hashes: Hash[] = [];
  for await (const { height, hash } of db.heights()) {
    if (height !== hashes.length) {
      bad(`height index has height ${height} where ${hashes.length} was expected`);
      break;
    }
    hashes.push(hash);
  }
  const genesis = genesisBlock(params);
  if (!state) bad('no best-chain pointer');
  if (hashes.length === 0 || !equalBytes(hashes[0]!, genesis.hash)) bad('height 0 is not the genesis block');
  if (state && hashes.length > 0) {
    if (state.height !== hashes.length - 1)
      bad(`pointer height ${state.height} != height index top ${hashes.length - 1}`);
    if (!equalBytes(state.tipHash, hashes[hashes.length - 1]!))
      bad('pointer tip differs from the height index top');
  }

  const utxo = new MemoryUtxoSet();
  let model = evaluator.initialModel();
  let modelHash = params.genesis.modelHash;
  let issued = 0n;
  let owed: readonly Payout[] = [];
  let levels = initialLevelState(evaluator.maxLevels.length);
  // per height from 1: the block's per-domain gains and whether it grew the model (growth windows)
  const records: GrowthRecord[] = [];
  let weight = blockWeight(workFromBits(genesis.block.header.bits), 0, params);
  const times: number[] = [genesis.block.header.time];
  let prevBits = genesis.block.header.bits;
  let blocksChecked = 0;
  const g = await db.getEntry(genesis.hash);
  if (g?.status !== 'valid-connected' || g.weight !== weight) bad('genesis entry missing or wrong');

  for (let h = 1; h < hashes.length && mismatches.length === 0; h++) {
    const hash = hashes[h]!;
    const at = `height ${h} (${toHex(hash)})`;
    const entry = await db.getEntry(hash);
    const block = await db.getBlock(hash);
    if (!entry || !block) {
      bad(`${at}: ${entry ? 'block bytes' : 'index entry'} missing`);
      break;
    }
    const b = blockWithIds(block);
    if (!equalBytes(b.hash, hash)) bad(`${at}: stored block hashes to ${toHex(b.hash)}`);
    if (!equalBytes(block.header.prevHash, hashes[h - 1]!))
      bad(`${at}: prev hash is not the block at height ${h - 1}`);
    if (entry.height !== h || !equalBytes(entry.prevHash, hashes[h - 1]!))
      bad(`${at}: entry height/prev disagree`);
    if (entry.status !== 'valid-connected') bad(`${at}: entry status ${entry.status}`);
    if (mismatches.length > 0) break;
    const start = retargetStartHeight(h, params);
    const headerCtx = {
      expectedBits: nextBits(
        {
          height: h,
          parentBits: prevBits,
          parentTime: times[h - 1]!,
          intervalStartTime: start === null ? 0 : times[start]!,
        },
        params,
      ),
      medianTimePast: medianTimePast(times.slice(-params.medianTimeSpan), params),
      now: deps.clock(),
    };
    const parentModel = model;
    let res: BlockTransitionResult<M>;
    try {
      res = await validateBlockTransition(
        b,
        {
          height: h - 1,
          modelHash,
          model: () => parentModel,
          issued,
          levels: levels.levels,
          growth: growthWindowOf(newestFirst(records), evaluator.domains, params),
          owed,
        },
        headerCtx,
        new CoinView(utxo),
        { params, evaluator, verifier },
      );
    } catch (e) {
      if (!(e instanceof VerdictError)) throw e;
      bad(`${at}: invalid: ${e.message}`);
      break;
    }
    const undo = utxo.apply(b, h);
    const stored = await db.getUndo(hash);
    if (!stored) bad(`${at}: undo data missing`);
    else if (!equalBytes(encodeUndo(stored), encodeUndo(undo)))
      bad(`${at}: undo data differs from the replay`);
    const ppm = res.improvement?.improvementPpm ?? 0;
    const work = workFromBits(block.header.bits);
    weight += blockWeight(work, ppm, params);
    if (entry.work !== work) bad(`${at}: entry work ${entry.work} != ${work}`);
    if (entry.improvementPpm !== ppm) bad(`${at}: entry improvement ${entry.improvementPpm} != ${ppm}`);
    if (entry.weight !== weight) bad(`${at}: entry weight ${entry.weight} != ${weight}`);
    if (entry.issuedAfter !== res.connect.issuedAfter)
      bad(`${at}: entry issued ${entry.issuedAfter} != ${res.connect.issuedAfter}`);
    if (res.improvement) {
      model = res.improvement.model;
      modelHash = res.improvement.modelHash;
    }
    const blockGains = res.improvement?.gainPpm ?? [];
    const blockGrew = (b.block.update?.grow ?? null) !== null;
    records.push({ gainPpm: blockGains, grew: blockGrew });
    if (entry.grew !== blockGrew || entry.gainPpm.join(',') !== blockGains.join(','))
      bad(
        `${at}: entry gains [${entry.gainPpm.join(',')}] / grew ${entry.grew} != replay [${blockGains.join(',')}] / ${blockGrew}`,
      );
    const after = model;
    levels = levelStateAfter(evaluator, levels, h, hash, () => after, params);
    if (!sameLevelState(entry.levels, levels))
      bad(`${at}: entry levels [${entry.levels.levels.join(',')}] != replay [${levels.levels.join(',')}]`);
    if (!samePayouts(entry.owed, res.connect.owedNext))
      bad(`${at}: entry owes its contributors other payouts than the replay`);
    owed = res.connect.owedNext;
    issued = res.connect.issuedAfter;
    times.push(block.header.time);
    prevBits = block.header.bits;
    blocksChecked++;
  }

  if (state && mismatches.length === 0) {
    if (state.issued !== issued) bad(`pointer issued ${state.issued} != replay ${issued}`);
    if (state.weight !== weight) bad(`pointer weight ${state.weight} != replay ${weight}`);
    const bytes = await db.getModel(modelHash);
    if (!bytes) bad(`tip model checkpoint ${toHex(modelHash)} missing`);
    else if (!equalBytes(evaluator.modelHash(evaluator.decodeModel(bytes)), modelHash))
      bad('tip model checkpoint corrupt');
  }

  const stored = await utxoSnapshotFromDb(db);
  const replay = utxo.snapshot();
  if (mismatches.length === 0) compareUtxo(stored, replay, bad);

  const tipHash = hashes.length > 0 ? toHex(hashes[hashes.length - 1]!) : '';
  return {
    height: hashes.length - 1,
    tipHash,
    blocksChecked,
    coins: stored.length,
    replayCoins: replay.length,
    issued,
    mismatches,
  };
}

function sameCoin(a: Coin, b: Coin): boolean {
  return (
    a.value === b.value &&
    a.height === b.height &&
    a.coinbase === b.coinbase &&
    equalBytes(a.pubKeyHash, b.pubKeyHash)
  );
}

/** Merge-walks two key-sorted snapshots; lists up to MAX_LISTED differences, then a count. */
function compareUtxo(
  stored: Array<[string, Coin]>,
  replay: Array<[string, Coin]>,
  bad: (m: string) => void,
): void {
  let i = 0;
  let j = 0;
  let n = 0;
  const note = (m: string): void => {
    if (n++ < MAX_LISTED) bad(m);
  };
  while (i < stored.length || j < replay.length) {
    const s = stored[i];
    const r = replay[j];
    if (s && (!r || s[0] < r[0])) {
      note(`coin ${s[0]} stored but not in the replay`);
      i++;
    } else if (r && (!s || r[0] < s[0])) {
      note(`coin ${r[0]} missing from the stored UTXO set`);
      j++;
    } else if (s && r) {
      if (!sameCoin(s[1], r[1])) note(`coin ${s[0]} differs from the replay`);
      i++;
      j++;
    }
  }
  if (n > MAX_LISTED) bad(`... ${n - MAX_LISTED} more UTXO differences`);
}

function samePayouts(a: readonly Payout[], b: readonly Payout[]): boolean {
  return (
    a.length === b.length &&
    a.every((p, i) => p.value === b[i]!.value && equalBytes(p.pubKeyHash, b[i]!.pubKeyHash))
  );
}

function* newestFirst<T>(a: readonly T[]): Generator<T> {
  for (let i = a.length - 1; i >= 0; i--) yield a[i]!;
}
