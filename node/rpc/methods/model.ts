/**
 * qenex's model namespace: the chain model (per-domain scores and levels, size, version) and
 * using it: `predict` (next characters of text, or a math answer) and `generate` (text
 * continuation, deterministic for a seed).
 */
import { z } from 'zod';
import { evaluationSeed, toHex } from '../../../consensus/index.js';
import {
  archAt,
  DOMAINS,
  generateText,
  LEVELED_DOMAINS,
  MAX_GENERATE_CHARS,
  MAX_GROWTH,
  MAX_PROMPT_CHARS,
  MODEL_VERSION,
  modelGrowth,
  type NetworkModel,
  parameterCount,
  predictMath,
  predictNextChars,
  TrainingError,
} from '../../../training/index.js';
import { RPC_INVALID_PARAMETER, rpcError } from '../errors.js';
import { defineMethod, param, paramWithDefault } from '../registry.js';
import type { RpcMethod } from '../types.js';
import type { RpcNodeContext } from './context.js';

type Scores = ReadonlyArray<{ readonly domain: string; readonly correct: number; readonly total: number }>;

function accuracy(correct: number, total: number): number {
  return total > 0 ? Math.round((correct / total) * 1e6) / 1e6 : 0;
}

function asInput<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof TrainingError) throw rpcError(RPC_INVALID_PARAMETER, e.message);
    throw e;
  }
}

export function modelMethods(node: RpcNodeContext): RpcMethod[] {
  /** Held-out scores of the last (model, levels) asked for: scoring them takes tens of ms. */
  let heldOutCache: { key: string; scores: Scores } | null = null;
  const heldOut = (model: unknown, modelHash: string, levels: readonly number[]): Scores => {
    const key = `${modelHash}:${levels.join(',')}`;
    if (heldOutCache?.key !== key) heldOutCache = { key, scores: node.evaluator.heldOut(model, levels) };
    return heldOutCache.scores;
  };
  const tipModel = (): NetworkModel => node.chain.getTipModel() as NetworkModel;
  const mathLevelAtTip = (): number => node.chain.tip.levels.levels[LEVELED_DOMAINS.indexOf('math')] ?? 0;
  return [
    defineMethod({
      name: 'getmodelinfo',
      description:
        'Returns the chain model: hash, architecture version, capacity growth steps taken (of maxgrowth) and the growth window (blocks since the last growth, per-domain verified gain in ppm over the window), parameter count, number of verified updates on the best chain and their total improvement, and per domain (lm: next character of English text and source code; math: generated arithmetic) its difficulty level, its held-out accuracy and its score on a fresh evaluation sample seeded by the tip hash.',
      params: [],
      handler: () => {
        const tip = node.chain.tip;
        let updates = 0;
        let total = 0;
        let lastHeight: number | null = null;
        for (let h = tip.height; h > 0; h--) {
          const e = node.chain.getEntryByHeight(h)!;
          if (e.improvementPpm > 0) {
            updates++;
            total += e.improvementPpm;
            lastHeight ??= h;
          }
        }
        const model = node.chain.getTipModel();
        const growth = modelGrowth(model as NetworkModel);
        const arch = archAt(growth);
        const levels = tip.levels.levels;
        const n = node.params.evalSamples;
        const sample = node.evaluator.scoreByDomain(model, evaluationSeed(tip.hash), n, levels);
        const held = heldOut(model, toHex(tip.modelHash), levels);
        let correct = 0;
        for (const d of sample) correct += d.correct;
        return {
          modelhash: toHex(tip.modelHash),
          height: tip.height,
          modelversion: MODEL_VERSION,
          parameters: parameterCount(arch),
          growth,
          maxgrowth: MAX_GROWTH,
          growthwindow: node.chain.growthWindow(),
          kernel: node.evaluator.kernelName(),
          updates,
          totalimprovementppm: total,
          lastupdateheight: lastHeight,
          score: { correct, samples: n, accuracy: accuracy(correct, n) },
          domains: DOMAINS.map((domain) => {
            const li = LEVELED_DOMAINS.indexOf(domain);
            const s = sample.find((d) => d.domain === domain)!;
            const h = held.find((d) => d.domain === domain)!;
            return {
              domain,
              hidden: arch[DOMAINS.indexOf(domain)]!.layers[0]!.outputs,
              level: li >= 0 ? (levels[li] ?? 0) : null,
              levelstreak: li >= 0 ? (tip.levels.streaks[li] ?? 0) : null,
              heldout: { correct: h.correct, total: h.total, accuracy: accuracy(h.correct, h.total) },
              sample: { correct: s.correct, total: s.total, accuracy: accuracy(s.correct, s.total) },
            };
          }),
        };
      },
    }),
    defineMethod({
      name: 'predict',
      description:
        'Asks the chain model. domain "lm": the most likely next characters after the input text, with probabilities; domain "math": the answer of an expression such as "123+456" (left to right, up to 3 operands of up to 6 digits, + - *) at the precision of the math level at the tip (the last digit of the bin of the value at 10^precision bins of its range), with the true value.',
      params: [
        param('domain', z.enum(['lm', 'math'])),
        param('input', z.string().max(MAX_PROMPT_CHARS)),
        paramWithDefault('top', z.number().int().min(1).max(96), 5),
      ],
      handler: ({ domain, input, top }) =>
        asInput(() =>
          domain === 'lm'
            ? { domain, input, next: predictNextChars(tipModel(), input, top) }
            : { domain, ...predictMath(tipModel(), input, mathLevelAtTip()) },
        ),
    }),
    defineMethod({
      name: 'generate',
      description:
        "Continues a prompt with the chain model's language head: `length` characters, sampled at `temperature` (0 = always the most likely character) from a PRNG seeded by `seed`, so the same model, prompt, seed and temperature always give the same text.",
      params: [
        param('prompt', z.string().max(MAX_PROMPT_CHARS)),
        paramWithDefault('length', z.number().int().min(1).max(MAX_GENERATE_CHARS), 200),
        paramWithDefault('seed', z.number().int().min(0).max(0xffff_ffff), 0),
        paramWithDefault('temperature', z.number().min(0).max(10), 0.7),
      ],
      handler: ({ prompt, length, seed, temperature }) =>
        asInput(() => ({
          height: node.chain.tip.height,
          modelhash: toHex(node.chain.tip.modelHash),
          prompt,
          seed,
          temperature,
          text: generateText(tipModel(), prompt, { length, seed, temperature }),
        })),
    }),
  ];
}
