// The qenex dashboard page. It logs in with the token from the link `qenex dashboard` prints (the
// URL fragment, never sent to a server), then renders what the node pushes over its WebSocket.
// Every value is written with textContent: nothing the node or its peers send becomes markup.
(() => {
  const base = location.pathname.replace(/\/[^/]*$/, '');
  const $ = (id) => document.getElementById(id);
  const DOMAIN_COLORS = ['#4e9af1', '#f1a24e', '#5fc27e', '#c75fc2', '#e05d5d'];
  const MAX_CHART_WIDTH = 1100;
  const HEIGHT_STEPS = [
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 1e6,
  ];

  let chart = null;
  let chartDomains = '';
  let lastModelHash = null;
  let lmHeldOut = null;
  let outputId = 0;
  let socket = null;
  let reconnectTimer = null;

  function text(id, value) {
    $(id).textContent = value;
  }

  function el(tag, content, className) {
    const e = document.createElement(tag);
    if (content !== undefined && content !== null) e.textContent = String(content);
    if (className) e.className = className;
    return e;
  }

  function row(cells) {
    const tr = document.createElement('tr');
    for (const c of cells) {
      const td = document.createElement('td');
      if (c instanceof Node) td.append(c);
      else td.textContent = c === null || c === undefined ? '–' : String(c);
      tr.append(td);
    }
    return tr;
  }

  function fillTable(id, rows) {
    const body = $(id).querySelector('tbody');
    body.replaceChildren(...rows);
  }

  function short(hex, n = 12) {
    return typeof hex === 'string' && hex.length > n ? `${hex.slice(0, n)}…` : (hex ?? '–');
  }

  function percent(x) {
    return typeof x === 'number' ? `${(100 * x).toFixed(2)}%` : '–';
  }

  function bytes(n) {
    if (typeof n !== 'number') return '–';
    if (n < 1024) return `${n} B`;
    if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
    return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  }

  function rate(n, unit) {
    if (typeof n !== 'number') return '–';
    if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M${unit}`;
    if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k${unit}`;
    return `${Math.round(n)} ${unit}`;
  }

  function setConnection(state, label) {
    const c = $('connection');
    c.dataset.state = state;
    c.textContent = label;
  }

  // ---- rendering ----

  function renderChain(chain) {
    if (!chain) return;
    text('network', chain.chain);
    text('tip-height', chain.blocks);
    $('tip-height').dataset.height = String(chain.blocks);
    text('tip-hash', chain.bestblockhash);
    text(
      'tip-time',
      `block time ${new Date(chain.time * 1000).toLocaleString()} · difficulty ${chain.difficulty}`,
    );
  }

  function renderHistory(history) {
    const domains = [...new Set(history.flatMap((p) => Object.keys(p.accuracy)))].sort();
    const xs = history.map((p) => p.height);
    const data = [
      xs,
      ...domains.map((d) => history.map((p) => (d in p.accuracy ? 100 * p.accuracy[d] : null))),
    ];
    const box = $('chart');
    box.dataset.points = String(xs.length);
    const width = Math.min(MAX_CHART_WIDTH, box.clientWidth || MAX_CHART_WIDTH);
    if (!chart || chartDomains !== domains.join()) {
      chart?.destroy();
      chartDomains = domains.join();
      chart = new uPlot(
        {
          width,
          height: 260,
          scales: { x: { time: false } },
          axes: [
            // whole heights only
            {
              label: 'height',
              stroke: '#aab',
              incrs: HEIGHT_STEPS,
              values: (_u, ticks) => ticks.map(String),
            },
            {
              label: 'held-out accuracy %',
              stroke: '#aab',
              values: (_u, ticks) => ticks.map((t) => `${t}%`),
            },
          ],
          series: [
            { label: 'height' },
            ...domains.map((d, i) => ({
              label: d,
              stroke: DOMAIN_COLORS[i % DOMAIN_COLORS.length],
              width: 2,
              points: { show: true, size: 6 },
              value: (_u, v) => (v === null ? '–' : `${v.toFixed(2)}%`),
            })),
          ],
        },
        data,
        box,
      );
    } else {
      chart.setData(data);
    }
  }

  function renderModel(model) {
    if (!model) return;
    fillTable(
      'domains',
      model.domains.map((d) =>
        row([
          d.domain,
          d.level,
          `${percent(d.heldout.accuracy)} (${d.heldout.correct}/${d.heldout.total})`,
          `${percent(d.sample.accuracy)} (${d.sample.correct}/${d.sample.total})`,
          d.hidden,
        ]),
      ),
    );
    text(
      'model-summary',
      `model ${short(model.modelhash, 16)} · ${model.parameters.toLocaleString()} parameters · ` +
        `${model.updates} verified updates (total ${model.totalimprovementppm} ppm) · ` +
        `growth ${model.growth}/${model.maxgrowth} · scoring kernel ${model.kernel}`,
    );
    lmHeldOut = model.domains.find((d) => d.domain === 'lm')?.heldout.accuracy ?? null;
    if (model.modelhash !== lastModelHash) {
      lastModelHash = model.modelhash;
      requestOutput();
    }
  }

  function renderImprovements(list) {
    if (!Array.isArray(list)) return;
    $('improvements-empty').hidden = list.length > 0;
    fillTable(
      'improvements',
      list.map((imp) => {
        const contributors = el('div');
        for (const c of imp.contributions) {
          contributors.append(
            el('div', `${short(c.address, 18)} · ${c.samples.toLocaleString()} samples`, 'mono'),
          );
        }
        if (imp.contributions.length === 0) contributors.textContent = 'miner only';
        const payouts = el('div');
        for (const p of imp.payouts)
          payouts.append(el('div', `${short(p.address, 18)} · ${p.amount} QXC`, 'mono'));
        if (imp.payouts.length === 0) payouts.textContent = '–';
        return row([imp.height, `${imp.improvementppm} ppm`, `${imp.bonus} QXC`, contributors, payouts]);
      }),
    );
  }

  function renderTip(tip) {
    renderChain(tip.chain);
    if (Array.isArray(tip.history)) renderHistory(tip.history);
    renderModel(tip.model);
    renderImprovements(tip.improvements);
  }

  function renderStatus(status) {
    const mining = status.mining;
    if (mining) {
      text('hashrate', rate(mining.localhashps, 'H/s'));
      text('mining-state', mining.mining ? `mining · ${mining.blocksfound} blocks found` : 'not mining');
    }
    const mempool = status.mempool;
    if (mempool) {
      text('mempool-size', `${mempool.size} tx`);
      text('mempool-bytes', bytes(mempool.bytes));
    }
    const peers = Array.isArray(status.peers) ? status.peers : [];
    const inbound = peers.filter((p) => p.inbound).length;
    text('peer-count', peers.length);
    text('peer-directions', `${inbound} in · ${peers.length - inbound} out`);
    fillTable(
      'peers',
      peers.map((p) =>
        row([
          el('span', short(p.peerid, 16), 'mono'),
          p.inbound ? 'in' : 'out',
          el('span', p.addr, 'mono'),
          p.pingtime === null ? null : `${Math.round(p.pingtime * 1000)} ms`,
          p.synced_blocks >= 0 ? p.synced_blocks : null,
          p.banscore,
        ]),
      ),
    );
    const t = status.training;
    if (t) {
      text('samples-rate', t.running ? rate(t.samplespersec, 'samples/s') : 'off');
      text(
        'deltas',
        `deltas sent ${t.deltassent} · received ${t.deltasreceived} · rejected ${t.deltasrejected}` +
          (t.shard ? ` · shard ${t.shard}` : ''),
      );
    }
  }

  function renderOutput(msg) {
    if (msg.id !== outputId) return; // an answer to an older request
    text('output-prompt', msg.prompt);
    const g = msg.generate;
    if (!g) {
      text('output-text', '');
      text('output-meta', 'The model could not answer this prompt.');
      return;
    }
    text('output-text', g.text);
    const next = msg.predict?.next ?? [];
    text(
      'output-next',
      next.length > 0
        ? `most likely next characters: ${next.map((n) => `${JSON.stringify(n.char)} ${percent(n.probability)}`).join(', ')}`
        : '',
    );
    text(
      'output-meta',
      `written by the chain model at height ${g.height} (model ${short(g.modelhash, 16)}), ` +
        `seed ${g.seed}, temperature ${g.temperature}: the text \`qenex ai generate\` prints` +
        (lmHeldOut === null
          ? '.'
          : `; its language head predicts ${percent(lmHeldOut)} of held-out next characters.`),
    );
  }

  // ---- transport ----

  function requestOutput() {
    const prompt = $('prompt').value;
    if (!socket || socket.readyState !== WebSocket.OPEN || prompt.length === 0) return;
    outputId += 1;
    socket.send(JSON.stringify({ type: 'output', id: outputId, prompt }));
  }

  function onMessage(event) {
    const msg = JSON.parse(event.data);
    if (msg.type === 'snapshot') {
      renderTip(msg.tip);
      renderStatus(msg.status);
    } else if (msg.type === 'tip') {
      renderTip(msg.tip);
    } else if (msg.type === 'status') {
      renderStatus(msg.status);
    } else if (msg.type === 'output') {
      renderOutput(msg);
    }
  }

  function connect() {
    reconnectTimer = null;
    setConnection('connecting', 'connecting…');
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${base}/ws`);
    socket = ws;
    ws.addEventListener('open', () => {
      setConnection('live', 'live');
      requestOutput();
    });
    ws.addEventListener('message', onMessage);
    ws.addEventListener('close', () => {
      socket = null;
      setConnection('down', 'disconnected');
      // The session may be gone (node restarted): ask before reconnecting.
      reconnectTimer = setTimeout(start, 2000);
    });
  }

  async function login(token) {
    const res = await fetch(`${base}/session`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    if (!res.ok) text('login-error', (await res.text()).trim());
  }

  async function start() {
    const token = new URLSearchParams(location.hash.slice(1)).get('token');
    if (token) {
      // Drop the token from the address bar and history before anything else.
      history.replaceState(null, '', location.pathname);
      await login(token);
    }
    let authenticated = false;
    try {
      const res = await fetch(`${base}/session`, { credentials: 'same-origin' });
      authenticated = res.ok && (await res.json()).authenticated === true;
    } catch {
      setConnection('down', 'node unreachable');
      reconnectTimer ??= setTimeout(start, 5000);
      return;
    }
    $('login').hidden = authenticated;
    $('app').hidden = !authenticated;
    $('logout').hidden = !authenticated;
    if (authenticated) connect();
    else setConnection('down', 'signed out');
  }

  $('prompt-form').addEventListener('submit', (e) => {
    e.preventDefault();
    requestOutput();
  });
  $('logout').addEventListener('click', async () => {
    await fetch(`${base}/session`, { method: 'DELETE', credentials: 'same-origin' });
    if (reconnectTimer) clearTimeout(reconnectTimer);
    socket?.close();
    location.reload();
  });
  window.addEventListener('resize', () => {
    if (chart) chart.setSize({ width: Math.min(MAX_CHART_WIDTH, $('chart').clientWidth), height: 260 });
  });
  start();
})();
