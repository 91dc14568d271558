/**
 * Writes a netsim report into a directory:
 *   netsim-summary.json      options, machine, per-scenario figures, final check (no raw rows)
 *   netsim-blocks.csv        one row per mined block: scenario, miner, height, reach and delays
 *                            (at connect, and at arrival)
 *   netsim-propagation.csv   one row per (block, node): the delay to its connect and to its
 *                            arrival (gossip arrival, or the connect if it came first), or a miss
 *   netsim-peers.csv         one row per peer sample: a node's peers (and how many dialled it)
 *   netsim-machine.csv       one row per machine sample: CPU, memory, driver loop delay
 *   netsim-mined.csv         one row per generatetoaddress call: when the block was due, the call, its time
 *   netsim-tips.csv          the observer's raw timeline: every node's sessions, block connects and
 *                            gossip arrivals
 *   netsim.svg               the chart (chart.ts)
 * and formats the summary as text (console, docs).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { toCsv, writeFileAtomic } from '../soak/csv.js';
import { renderNetsimChart } from './chart.js';
import { percentiles } from './metrics.js';
import type { NetsimReport, ScenarioResult } from './types.js';

function scenarioOf(r: NetsimReport, t: number): string {
  return r.scenarios.find((s) => t >= s.start && t < s.end)?.name ?? 'final';
}

export function writeReport(r: NetsimReport, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const t0 = Date.parse(r.startedAt);
  const elapsed = (t: number) => ((t - t0) / 1000).toFixed(3);
  const { blocks, machineSamples, peerRounds, mined, observed, peerSamples, ...summary } = r;
  const files: Array<[string, string]> = [
    ['netsim-summary.json', `${JSON.stringify(summary, null, 2)}\n`],
    [
      'netsim-blocks.csv',
      toCsv(
        [
          'scenario',
          'elapsed_s',
          'hash',
          'height',
          'miner',
          'best_chain',
          'eligible',
          'reached',
          'missed',
          'on_sibling',
          'p50_ms',
          'max_ms',
          'arrival_p50_ms',
          'arrival_max_ms',
        ],
        blocks.map((b) => {
          const p = percentiles(b.delays.map((d) => d.ms));
          const a = percentiles(b.delays.map((d) => d.arrivalMs));
          return [
            scenarioOf(r, b.t0),
            elapsed(b.t0),
            b.hash,
            b.height,
            b.miner,
            b.best ? 1 : 0,
            b.eligible,
            b.delays.length,
            b.missed.length,
            b.siblings.length,
            p.p50,
            p.max,
            a.p50,
            a.max,
          ];
        }),
      ),
    ],
    [
      'netsim-propagation.csv',
      toCsv(
        [
          'scenario',
          'hash',
          'height',
          'miner',
          'best_chain',
          'node',
          'delay_ms',
          'missed',
          'on_sibling',
          'arrival_ms',
          'gossiped',
        ],
        blocks.flatMap((b) => {
          const row = (
            node: number,
            delay: number | null,
            missed: number,
            sibling: number,
            arrival: number | null = null,
            gossiped: number | null = null,
          ) => [
            scenarioOf(r, b.t0),
            b.hash,
            b.height,
            b.miner,
            b.best ? 1 : 0,
            node,
            delay,
            missed,
            sibling,
            arrival,
            gossiped,
          ];
          return [
            ...b.delays.map((d) => row(d.node, d.ms, 0, 0, d.arrivalMs, d.gossiped ? 1 : 0)),
            ...b.missed.map((node) => row(node, null, 1, 0)),
            ...b.siblings.map((s) => row(s.node, s.ms, 0, 1)),
          ];
        }),
      ),
    ],
    [
      'netsim-peers.csv',
      toCsv(
        ['scenario', 'elapsed_s', 'node', 'peers', 'inbound'],
        peerSamples.map((p) => [scenarioOf(r, p.t), elapsed(p.t), p.node, p.peers, p.inbound]),
      ),
    ],
    [
      'netsim-machine.csv',
      toCsv(
        [
          'scenario',
          'elapsed_s',
          'running_nodes',
          'nodes_rss_mib',
          'max_node_rss_mib',
          'nodes_cpu_cores',
          'driver_cpu_cores',
          'driver_loop_p99_ms',
          'machine_busy_cores',
          'loadavg1',
        ],
        machineSamples.map((m) => [
          scenarioOf(r, m.t),
          elapsed(m.t),
          m.runningNodes,
          m.nodesRssMiB,
          m.maxNodeRssMiB,
          m.nodesCpuCores,
          m.driverCpuCores,
          m.driverLoopP99Ms,
          m.machineBusyCores,
          m.loadAvg1,
        ]),
      ),
    ],
    [
      'netsim-mined.csv',
      toCsv(
        ['scenario', 'found_s', 'called_s', 'miner', 'call_ms', 'hashes', 'error'],
        mined.map((m) => [
          scenarioOf(r, m.t),
          elapsed(m.due),
          elapsed(m.t),
          m.miner,
          m.ms,
          m.hashes.join(' '),
          m.error,
        ]),
      ),
    ],
    [
      'netsim-tips.csv',
      toCsv(
        ['elapsed_s', 'node', 'event', 'hash', 'height'],
        [
          ...observed.sessions.flatMap((s) => [
            [elapsed(s.start), s.node, 'up', s.tip.hash, s.tip.height] as const,
            ...(s.end === null ? [] : [[elapsed(s.end), s.node, 'down', null, null] as const]),
          ]),
          ...observed.blocks.map((b) => [elapsed(b.t), b.node, 'connect', b.hash, b.height] as const),
          ...observed.arrivals.map((a) => [elapsed(a.t), a.node, 'arrival', a.hash, null] as const),
        ].sort((a, b) => Number(a[0]) - Number(b[0])),
      ),
    ],
    ['netsim.svg', renderNetsimChart(r)],
  ];
  for (const [name, text] of files) writeFileAtomic(join(dir, name), text);
  return files.map(([name]) => join(dir, name));
}

function ms(v: number | null): string {
  return v === null ? '-' : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`;
}

function scenarioLines(s: ScenarioResult, cores: number): string[] {
  const p = s.propagation;
  const a = p.arrival;
  const lines = [
    `${s.name} (${((s.end - s.start) / 60_000).toFixed(1)} min): ${p.blocks} best-chain blocks; propagation at connect per node p50 ${ms(p.perNode.p50)}, p99 ${ms(p.perNode.p99)}, max ${ms(p.perNode.max)} (${p.perNode.n} pairs, ${p.misses} misses); to all nodes p50 ${ms(p.toAll.p50)}, p99 ${ms(p.toAll.p99)}${p.onSibling > 0 ? `; ${p.onSibling} pairs on a competing block first (switched after p50 ${ms(p.siblingSwitch.p50)}, max ${ms(p.siblingSwitch.max)})` : ''}`,
    `    at arrival: per node p50 ${ms(a.perNode.p50)}, p99 ${ms(a.perNode.p99)}, max ${ms(a.perNode.max)} (${a.gossiped} of ${p.perNode.n} pairs arrived by gossip); to all nodes p50 ${ms(a.toAll.p50)}, p99 ${ms(a.toAll.p99)}`,
    `    without a model update: ${s.plain.blocks} blocks, p50 ${ms(s.plain.perNode.p50)}, p99 ${ms(s.plain.perNode.p99)} (at arrival ${ms(s.plain.arrival.perNode.p50)}, ${ms(s.plain.arrival.perNode.p99)}); with one: ${s.update.blocks} blocks, p50 ${ms(s.update.perNode.p50)}, p99 ${ms(s.update.perNode.p99)} (at arrival ${ms(s.update.arrival.perNode.p50)}, ${ms(s.update.arrival.perNode.p99)})`,
    `    stale ${s.stale.stale}/${s.stale.mined}${s.stale.rate === null ? '' : ` (${(100 * s.stale.rate).toFixed(1)}%)`}; peers per node min ${s.peers.min ?? '-'}, median ${s.peers.p50 ?? '-'}, max ${s.peers.max ?? '-'} (mean spread ${s.peers.meanSpread ?? '-'}); nodes RSS ≤ ${s.machine.maxNodesRssMiB ?? '-'} MiB, nodes CPU ${s.machine.meanNodesCpuCores ?? '-'} cores, driver ${s.machine.meanDriverCpuCores ?? '-'} cores (loop p99 ≤ ${s.machine.maxDriverLoopP99Ms ?? '-'} ms), machine busy ${s.machine.meanMachineBusyCores ?? '-'} of ${cores} cores (other ${s.machine.meanOtherCores ?? '-'})`,
  ];
  if (s.heal) {
    const firstCross = s.heal.crossLinks.find((c) => c.links > 0);
    lines.push(
      `    links between the halves after the heal: ${s.heal.crossLinks.map((c) => `${c.s} s: ${c.links}`).join(', ')}${firstCross ? '' : ' (none re-formed)'}`,
    );
  }
  if (s.heal)
    lines.push(
      `    heal: one tip ${s.heal.convergedMs === null ? 'NOT reached in the watch' : `${ms(s.heal.convergedMs)} after the heal`}${s.heal.convergedMsWithoutAlone !== s.heal.convergedMs ? ` (without the nodes alone since start: ${s.heal.convergedMsWithoutAlone === null ? 'NOT reached' : ms(s.heal.convergedMsWithoutAlone)})` : ''} (${s.heal.linksRefused} links refused during the partition)`,
    );
  if (s.churn)
    lines.push(
      `    churn: ${s.churn.restarts} restarts; longest minority tip ${ms(s.churn.maxMinorityMs)}; ${s.churn.minorityOver60s} over 60 s`,
    );
  if (s.staller) {
    const st = s.staller;
    lines.push(
      `    staller on n${st.victim}: connected ${(100 * st.connectedShare).toFixed(0)}% of the time, ${st.stats.connections} connections, ${st.stats.headersRequests} headers requests unanswered, banned ${st.bannedByVictim}; honest neighbours' lag p50 ${st.neighbourLag.p50 ?? '-'}, max ${st.maxNeighbourLag ?? '-'} blocks; victim's blocks p50 ${ms(st.victimPropagation.perNode.p50)}, p99 ${ms(st.victimPropagation.perNode.p99)}`,
    );
  }
  return lines;
}

export function formatSummary(r: NetsimReport): string {
  const f = r.final;
  const lines = [
    `netsim: ${r.options.nodes} nodes (${r.options.miners} miners, ${r.options.trainers} trainers), ${r.options.latency.baseMs} ± ${r.options.latency.jitterMs} ms one-way, ${r.options.spacingMs / 1000} s spacing; up after ${ms(r.startupMs)}${r.startup.withoutPeer.length > 0 ? `; WITHOUT A PEER after start: ${r.startup.withoutPeer.join(' ')}` : ''}${r.startup.fewPeers.length > 0 ? `; < 3 peers: ${r.startup.fewPeers.join(' ')}` : ''}`,
    `generatetoaddress: ${r.mined.length} calls, ${r.mined.filter((m) => m.error !== null).length} failed; call time p50 ${ms(percentiles(r.mined.map((m) => m.ms)).p50)}, max ${ms(percentiles(r.mined.map((m) => m.ms)).max)}; waited for a free miner p50 ${ms(percentiles(r.mined.map((m) => m.t - m.due)).p50)}, max ${ms(percentiles(r.mined.map((m) => m.t - m.due)).max)}`,
    ...r.scenarios.flatMap((s) => scenarioLines(s, r.machine.cpus)),
    `final: ${f.converged ? `one tip after ${ms(f.convergeMs)}` : 'NOT converged'}${f.tieBreak ? ' (with one tie-break block)' : ''}; height ${f.height ?? '-'} (${f.updateBlocks} update blocks); equal tips ${f.equalTips}, UTXO sets ${f.equalUtxo}, model hashes ${f.equalModel}${f.excluded.length > 0 ? ` (over ${f.nodes.length - f.excluded.length} nodes: ${f.excluded.join(' ')} never had a peer, left out)` : ''}; direct links ${f.directLinks}`,
    `CPU by role (cores per node, all of the role): ${r.cpu.byRole.map((x) => `${x.role} ×${x.nodes} ${x.coresPerNode} (${x.cores})`).join(', ')}; busiest ${r.cpu.busiest.map((b) => `n${b.node} ${b.cores}`).join(', ')}`,
    `proxy: ${(r.proxy.bytesForwarded / 2 ** 20).toFixed(1)} MiB forwarded over ${r.proxy.linksOpened} links; largest release lag ${r.proxy.maxReleaseLagMs} ms`,
  ];
  if (r.unexpectedExits.length > 0) lines.push(...r.unexpectedExits.map((e) => `UNEXPECTED: ${e}`));
  return lines.join('\n');
}
