/* symgraph explorer: the page's script (pasted inline into every page by symgraph.export.explore).
 *
 * Reads DATA (the graph, its layout and every mode's recorded steps) and $values(inputs...) (the
 * function's values and every edge's local derivative, compiled from a symgraph Program).  Steps name
 * nodes and edges only; every number shown is recomputed here from $values, so editing an input
 * recomputes the whole walkthrough.  A view of step i replays steps 0..i-1 from scratch: pages are
 * small (at most a few thousand steps), and replaying keeps going back as simple as going forward.
 */
(function () {
  "use strict";
  const D = DATA;
  const NODES = D.nodes, EDGES = D.edges, NN = NODES.length;
  const SVGNS = "http://www.w3.org/2000/svg";
  // Tables keyed by node names have no prototype: an input may be called constructor, toString or __proto__.
  const dict = () => Object.create(null);
  const index = dict();
  NODES.forEach((n, i) => { index[n.name] = i; });
  const label = name => NODES[index[name]].label;
  const inputs = dict();
  D.inputs.forEach(x => { inputs[x.name] = x.value; });
  const OUTPUTS = Array.from(new Set(D.outputs));
  const WRT = D.wrt;
  const edgeOf = dict();
  EDGES.forEach((e, i) => { edgeOf[e.u + "|" + e.v] = i; });
  let val = dict(), loc = [];

  // An untaken branch of where(): its edge's local derivative is an exact 0 that discards what it meets,
  // as symgraph's selects do (where(x > 0, sqrt(x), 0) at x = -1 has derivative 0, not 0 · nan = nan).
  // A product with it is it; a sum with it is the other term; shown as 0.
  const DROP = Object.freeze({ dropped: true });
  const mul = (a, b) => (a === DROP || b === DROP ? DROP : a * b);
  // Float noise: 0.1*x + 0.2*x - 0.3*x at x = 1 is 5.6e-17 and sin(pi) is 1.2e-16, which the page printed as if
  // they were values.  A number within NOISE roundings of the magnitudes that produced it is 0 here: a sum of
  // its terms' size (add), and a value or a local derivative of the bound $rounding computes along the program
  // (symgraph.export.rounding: rounded constants such as pi and 0.1 carry their size too; compute()).  float64
  // cannot tell such a number from 0; a small value that is no residue (1e-20 of x*y at x = y = 1e-10) keeps
  // its digits.
  const EPS = Number.EPSILON, NOISE = 8;
  const residue = (s, size) => s !== 0 && Number.isFinite(size) && Math.abs(s) <= NOISE * EPS * size;
  const add = (a, b) => {
    if (a === DROP) return b;
    if (b === DROP) return a;
    const s = a + b;
    return residue(s, Math.abs(a) + Math.abs(b)) ? 0 : s;
  };
  const num = x => (x === DROP ? 0 : x);
  const dropped = (...factors) => factors.some(f => f === DROP) && factors.some(f => f !== DROP && !Number.isFinite(f))
    ? " <i>(the 0 of an untaken branch discards the other factor: a select, not a product)</i>" : "";

  // what each of $values' results received from its operands (see symgraph.export.rounding), or 0 for one
  // shown as given (an input, a constant)
  function received() {
    const R = D.rounding, r = $rounding(...D.inputs.map(x => inputs[x.name])), P = R.terms.length;
    const bound = [], from = [];
    R.terms.forEach((terms, s) => {
      let f = 0;
      terms.forEach(([u, p]) => {
        const b = bound[u];
        if (b) f += Math.abs(r[P + p]) * b;  // an operand that carries nothing adds nothing, even times inf
      });
      from[s] = f;
      bound[s] = Math.abs(r[s]) + f;
    });
    return R.at.map(s => (s < 0 ? 0 : from[s]));
  }

  function compute() {
    const out = $values(...D.inputs.map(x => inputs[x.name])), from = received();
    const shown = k => (typeof out[k] === "number" && residue(out[k], from[k]) ? 0 : out[k]);
    NODES.forEach((n, i) => { val[n.name] = shown(i); });
    EDGES.forEach((e, i) => {
      loc[i] = e.zero ? 0 : e.branch && out[NN + i] === 0 ? DROP : shown(NN + i);
    });
  }

  // ---------------------------------------------------------------- text
  function fmt(x) {
    if (x === DROP) return "0";
    if (typeof x === "boolean") return x ? "true" : "false";
    if (x === undefined || x === null) return "";
    if (Number.isNaN(x)) return "nan";
    if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
    if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
    let [mantissa, exponent] = x.toPrecision(4).split("e");
    if (mantissa.indexOf(".") >= 0) mantissa = mantissa.replace(/0+$/, "").replace(/\.$/, "");
    return exponent === undefined ? mantissa : mantissa + "e" + exponent;
  }
  const full = x => (x === undefined ? "" : String(x));
  const esc = s => String(s).replace(/[&<>"]/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
  const d = (y, x) => `∂${label(y)}/∂${label(x)}`;
  // under a node, names are cut as its glyph is (9 characters, start and end: x_po…on_1, x_po…on_2); the layout
  // keeps room for that much
  const short = s => (s.length <= 9 ? s : s.slice(0, 4) + "…" + s.slice(-4));
  // a name in an input's field or a table's heading: cut alike at 24 characters, whole in its tooltip (a name of
  // 200 characters widened the page past the window, and the Jacobian's column past the panel)
  const cut = s => (s.length <= 24 ? esc(s) : `<span title="${esc(s)}">${esc(s.slice(0, 11) + "…" + s.slice(-12))}</span>`);
  const dShort = (y, x) => `∂${short(label(y))}/∂${short(label(x))}`;
  const vertex = v => v.startsWith("in:") ? `in:${label(v.slice(3))}` : v.startsWith("out:") ? `out:${label(v.slice(4))}` : label(v);
  const times = (a, b) => `${paren(a)} · ${paren(b)}`;
  const paren = x => (typeof x === "number" && x < 0 ? `(${fmt(x)})` : fmt(x));
  const product = (t, counted) => counted
    ? `<span class="counted">1 multiplication</span>` : `<span class="free">free (${t})</span>`;

  // ---------------------------------------------------------------- modes
  const MODES = [
    { id: "pass", title: "Forward pass", about: "Each node's value from its operands' values, in topological order." },
    { id: "local", title: "Local derivatives", about: "Each edge u → v carries the local derivative ∂v/∂u: the op's rule, a formula in the node values, evaluated here." },
    { id: "reverse", title: "Reverse mode", about: "One sweep per output y, seeded with ∂y/∂y = 1: adjoints ∂y/∂u flow back along the edges in reverse topological order, each edge adding adjoint × local derivative into its operand; a node used several times sums one term per use." },
    { id: "forward", title: "Forward mode", about: "One sweep per input x, seeded with ∂x/∂x = 1: tangents ∂v/∂x flow forward along the edges in topological order, each edge adding local derivative × tangent into its result." },
    { id: "paths", title: "Path sum", about: "∂y/∂x is the sum, over every path from x to y, of the product of the local derivatives along the path. A product shared by several paths' common start is formed once." },
    { id: "elimination", title: "Elimination (Markowitz)", about: "Eliminating vertex j joins each predecessor i to each successor k: c[i,k] += c[i,j] · c[j,k]. Markowitz order takes the vertex with the fewest in × out edges first. in:x is the source of input x and out:y the sink of output y (edges of weight 1); when only they remain, their edges are the Jacobian." },
  ];
  const STEPS = {
    pass: NODES.map(n => ({ k: "value", v: n.name })),
    local: EDGES.map((e, i) => ({ k: "local", e: i })),
  };
  ["reverse", "forward", "paths", "elimination"].forEach(m => { STEPS[m] = D.modes[m].steps || []; });
  const COUNTED = { reverse: 1, forward: 1, paths: 1, elimination: 1 };

  const state = { mode: "pass", step: {}, playing: null, speed: 2 };
  MODES.forEach(m => { state.step[m.id] = 0; });

  function blank() {
    return { value: dict(), deriv: dict(), edgeText: {}, fills: [], faded: new Set(), hotNodes: new Set(),
      hotEdges: new Set(), hotFills: new Set(), message: "", mults: 0, sweep: "", jac: null };
  }

  function emptyJacobian() {
    const jac = dict();
    OUTPUTS.forEach(y => { jac[y] = dict(); });
    return jac;
  }

  // each replay(steps, upto) -> a view of the page after the first `upto` steps
  const replay = {
    pass(steps, upto) {
      const v = blank();
      for (let i = 0; i < upto; i++) v.value[steps[i].v] = val[steps[i].v];
      if (upto === 0) {
        v.message = "The inputs are given; press ▶ (or →) to compute the nodes one by one.";
        return v;
      }
      const n = NODES[index[steps[upto - 1].v]];
      v.hotNodes.add(n.name);
      EDGES.forEach((e, i) => { if (e.v === n.name) v.hotEdges.add(i); });
      const operands = EDGES.filter(e => e.v === n.name).map(e => `${label(e.u)} = ${fmt(val[e.u])}`);
      v.message = n.kind === "input" ? `<span class="formula">${esc(n.label)} = ${fmt(val[n.name])}</span> (an input)`
        : `<span class="formula">${esc(n.def)} = <span class="v">${fmt(val[n.name])}</span></span>` +
          (operands.length ? `<br>with ${esc(operands.join(", "))}` : "");
      return v;
    },

    local(steps, upto) {
      const v = blank();
      NODES.forEach(n => { v.value[n.name] = val[n.name]; });
      for (let i = 0; i < upto; i++) v.edgeText[steps[i].e] = fmt(loc[steps[i].e]);
      if (upto === 0) {
        v.message = "Every node has its value; press ▶ to put each edge's local derivative on it.";
        return v;
      }
      const i = steps[upto - 1].e, e = EDGES[i];
      v.hotEdges.add(i);
      const formula = e.formula === fmt(loc[i]) ? "" : `${esc(e.formula)} = `;  // a constant is written once: ∂c/∂a = 1
      v.message = `<span class="formula">${esc(d(e.v, e.u))} = ${formula}<span class="l">${fmt(loc[i])}</span></span>` +
        `<br>${esc(label(e.v))} = ${esc(NODES[index[e.v]].def.split(" = ").slice(1).join(" = "))}`;
      return v;
    },

    reverse(steps, upto) {
      const v = blank();
      NODES.forEach(n => { v.value[n.name] = val[n.name]; });
      EDGES.forEach((e, i) => { v.edgeText[i] = fmt(loc[i]); });
      v.jac = emptyJacobian();
      let adj = dict(), terms = dict(), y = null, sweep = 0;
      for (let i = 0; i < upto; i++) {
        const s = steps[i], last = i === upto - 1;
        if (s.k === "seed") {
          sweep += 1; y = s.y; adj = dict(); terms = dict(); adj[y] = 1;
          if (last) { v.hotNodes.add(y); v.message = `Sweep ${sweep}: seed <span class="formula">${esc(d(y, y))} = 1</span>`; }
        } else if (s.k === "term") {
          const e = EDGES[s.e], a = adj[e.v], l = loc[s.e];
          v.mults += s.m;
          if (!s.z) {
            const t = mul(a, l);
            adj[e.u] = adj[e.u] === undefined ? t : add(adj[e.u], t);
            (terms[e.u] = terms[e.u] || []).push(t);
          }
          if (last) {
            v.hotEdges.add(s.e); v.hotNodes.add(e.u);
            const sum = terms[e.u] || [];
            v.message = s.z
              ? `Edge ${esc(label(e.u))} → ${esc(label(e.v))}: its term is exactly 0 and is not propagated (free)`
              : `<span class="formula">${esc(d(y, e.u))} += ${esc(d(y, e.v))} · ${esc(d(e.v, e.u))} = ${times(a, l)} = ${fmt(mul(a, l))}</span>${dropped(a, l)} — ${product("a factor is ±1", s.m)}` +
                (sum.length > 1
                  ? `<br>${esc(label(e.u))} is used ${sum.length} times so far: <span class="formula">${esc(d(y, e.u))} = ${sum.map(paren).join(" + ")} = <span class="d">${fmt(adj[e.u])}</span></span>`
                  : `<br><span class="formula">${esc(d(y, e.u))} = <span class="d">${fmt(adj[e.u])}</span></span>`);
          }
        } else if (s.k === "done") {
          WRT.forEach(x => { v.jac[s.y][x] = adj[x] === undefined ? 0 : num(adj[x]); });
          if (last) v.message = `Sweep ${sweep} done: the gradient of ${esc(NODES[index[s.y]].names)} is ` +
            WRT.map(x => `<span class="formula">${esc(d(s.y, x))} = <span class="d">${fmt(v.jac[s.y][x])}</span></span>`).join(", ");
        }
      }
      if (y !== null) Object.keys(adj).forEach(n => { v.deriv[n] = { text: dShort(y, n), value: adj[n] }; });
      v.sweep = `Sweep ${sweep} of ${D.modes.reverse.sweeps} (one per output)` + (y !== null ? `: ${esc(NODES[index[y]].names)}` : "");
      if (upto === 0) v.message = "Press ▶ to seed the first output's adjoint with 1 and sweep back.";
      return v;
    },

    forward(steps, upto) {
      const v = blank();
      NODES.forEach(n => { v.value[n.name] = val[n.name]; });
      EDGES.forEach((e, i) => { v.edgeText[i] = fmt(loc[i]); });
      v.jac = emptyJacobian();
      let tan = dict(), x = null, sweep = 0;
      for (let i = 0; i < upto; i++) {
        const s = steps[i], last = i === upto - 1;
        if (s.k === "seed") {
          sweep += 1; x = s.x; tan = dict(); tan[x] = 1;
          if (last) { v.hotNodes.add(x); v.message = `Sweep ${sweep}: seed <span class="formula">${esc(d(x, x))} = 1</span>`; }
        } else if (s.k === "term") {
          const e = EDGES[s.e], t = tan[e.u], l = loc[s.e];
          v.mults += s.m;
          const first = tan[e.v] === undefined;
          if (!s.z) tan[e.v] = first ? mul(l, t) : add(tan[e.v], mul(l, t));
          if (last) {
            v.hotEdges.add(s.e); v.hotNodes.add(e.v);
            v.message = s.z
              ? `Edge ${esc(label(e.u))} → ${esc(label(e.v))}: its term is exactly 0 and is not propagated (free)`
              : `<span class="formula">${esc(d(e.v, x))} += ${esc(d(e.v, e.u))} · ${esc(d(e.u, x))} = ${times(l, t)} = ${fmt(mul(l, t))}</span>${dropped(l, t)} — ${product("a factor is ±1", s.m)}` +
                `<br><span class="formula">${esc(d(e.v, x))} = <span class="d">${fmt(tan[e.v])}</span></span>` + (first ? "" : " (a sum: more than one operand depends on " + esc(label(x)) + ")");
          }
        } else if (s.k === "done") {
          OUTPUTS.forEach(y => { v.jac[y][s.x] = tan[y] === undefined ? 0 : num(tan[y]); });
          if (last) v.message = `Sweep ${sweep} done: the derivatives by ${esc(label(s.x))} are ` +
            D.outputs.map((y, k) => `<span class="formula">${esc(`∂${D.output_labels[k]}/∂${label(s.x)}`)} = ` +
              `<span class="d">${fmt(v.jac[y][s.x])}</span></span>`).join(", ");  // a row each, as the table
        }
      }
      if (x !== null) Object.keys(tan).forEach(n => { v.deriv[n] = { text: dShort(n, x), value: tan[n] }; });
      v.sweep = `Sweep ${sweep} of ${D.modes.forward.sweeps} (one per input)` + (x !== null ? `: ${esc(label(x))}` : "");
      if (upto === 0) v.message = "Press ▶ to seed the first input's tangent with 1 and sweep forward.";
      return v;
    },

    paths(steps, upto) {
      const v = blank();
      NODES.forEach(n => { v.value[n.name] = val[n.name]; });
      EDGES.forEach((e, i) => { v.edgeText[i] = fmt(loc[i]); });
      v.jac = emptyJacobian();
      if (D.modes.paths.skipped) {
        v.message = esc(D.modes.paths.skipped) + " (sg.compare does not enumerate them either).";
        return v;
      }
      const sums = dict();
      for (let i = 0; i < upto; i++) {
        const s = steps[i], key = s.y + "|" + s.x;
        const p = s.z ? 0 : s.edges.reduce((acc, e) => mul(acc, loc[e]), 1);
        sums[key] = sums[key] === undefined ? p : add(sums[key], p);
        v.jac[s.y][s.x] = num(sums[key]);
        v.mults += s.m;
        if (i === upto - 1) {
          s.edges.forEach(e => v.hotEdges.add(e));
          const names = [s.x].concat(s.edges.map(e => EDGES[e].v)).map(label);
          const factors = s.edges.map(e => d(EDGES[e].v, EDGES[e].u));
          v.message = `Path ${i + 1} of ${steps.length}: ${esc(names.join(" → "))}<br>` +
            `<span class="formula">${esc(factors.join(" · ") || "1")} = ${s.edges.map(e => paren(loc[e])).join(" · ") || "1"} = ${fmt(p)}</span>${dropped(...s.edges.map(e => loc[e]))}` +
            `<br>${s.m} new multiplication${s.m === 1 ? "" : "s"} (products of a start shared with earlier paths are reused; ±1 is free)` +
            `<br><span class="formula">${esc(d(s.y, s.x))}</span> so far: <span class="d">${fmt(sums[key])}</span>`;
        }
      }
      if (upto === 0) v.message = `${steps.length} paths from the inputs to the outputs; press ▶ to multiply along the first.`;
      return v;
    },

    elimination(steps, upto) {
      const v = blank();
      NODES.forEach(n => { v.value[n.name] = val[n.name]; });
      v.jac = emptyJacobian();
      const E = new Map(), original = new Map();
      const row = i => { if (!E.has(i)) E.set(i, new Map()); return E.get(i); };
      D.modes.elimination.initial.forEach(([i, k, e]) => {
        row(i).set(k, e === null ? 1 : loc[e]);
        if (e !== null) original.set(i + "|" + k, e);
        row(k);
      });
      const gone = new Set();
      for (let n = 0; n < upto; n++) {
        const s = steps[n], j = s.v, lines = [], made = [];
        const ins = new Set(s.pairs.map(p => p[0])), outs = new Set(s.pairs.map(p => p[1]));
        s.pairs.forEach(([i, k, m, how]) => {
          const cij = E.get(i).get(j), cjk = E.get(j).get(k), t = mul(cij, cjk), old = E.get(i).get(k);
          v.mults += m;
          if (how === 0) E.get(i).set(k, t);
          else if (how === 1) E.get(i).set(k, add(old, t));
          else if (how === 2) E.get(i).delete(k);
          made.push(i + "|" + k);
          lines.push(`<span class="formula">c[${esc(vertex(i))}, ${esc(vertex(k))}] ${how === 0 ? "=" : "+="} ${times(cij, cjk)}` +
            (how === 1 ? ` → ${fmt(old)} + ${paren(t)} = ${fmt(E.get(i).get(k))}` : how === 0 ? ` = ${fmt(t)} (new edge)` :
              how === 2 ? " → exactly 0: the edge goes" : " = 0 (dropped)") + `</span> — ${product("a factor is ±1", m)}`);
        });
        E.forEach(r => r.delete(j));
        E.delete(j);
        gone.add(j);
        if (n === upto - 1) {
          v.hotNodes.add(j);
          made.forEach(key => v.hotFills.add(key));
          v.message = `Eliminate <b>${esc(label(j))}</b> (step ${n + 1} of ${steps.length}): ${ins.size} in × ${outs.size} out = ${ins.size * outs.size}` +
            (lines.length ? "<br>" + lines.join("<br>") : "");
        }
      }
      NODES.forEach(x => { if (gone.has(x.name) && !v.hotNodes.has(x.name)) v.faded.add(x.name); });
      const at = vtx => vtx.startsWith("in:") ? vtx.slice(3) : vtx.startsWith("out:") ? vtx.slice(4) : vtx;
      EDGES.forEach((e, i) => { v.faded.add("edge:" + i); });
      E.forEach((r, i) => r.forEach((c, k) => {
        const key = i + "|" + k, e = original.get(key);
        if (e !== undefined) { v.faded.delete("edge:" + e); v.edgeText[e] = fmt(c); return; }
        if (i.startsWith("in:") && k.startsWith("out:")) v.jac[k.slice(4)][i.slice(3)] = num(c);
        if (at(i) === at(k)) return;  // the trivial source and sink edges of weight 1
        v.fills.push({ from: at(i), to: at(k), text: fmt(c), key: key });
      }));
      if (upto === 0) v.message = "Press ▶ to eliminate the vertex with the fewest in × out edges.";
      return v;
    },
  };

  // ---------------------------------------------------------------- page
  const app = document.getElementById("app");
  app.innerHTML = `
    <header><h1>symgraph explorer: <code>${esc(D.title)}</code></h1>
      <div class="inputs" id="inputs"></div><div class="outputs" id="outputs"></div></header>
    <nav class="tabs" id="tabs"></nav>
    <div class="controls">
      <button id="first" title="first step (Home)">⇤</button><button id="prev" title="previous step (←)">◀ back</button>
      <button id="play" title="play / pause (space)">▶ play</button><button id="next" title="next step (→)">step ▶</button>
      <button id="last" title="last step (End)">⇥</button>
      <span class="stepno" id="stepno"></span>
      <label>speed <select id="speed"><option value="0.5">0.5</option><option value="1">1</option>
        <option value="2" selected>2</option><option value="4">4</option><option value="8">8</option></select> steps/s</label>
    </div>
    <main><div class="drawing" id="drawing"></div>
      <div class="panel"><h2 id="mode-title"></h2><p class="about" id="about"></p>
        <div class="counter" id="sweep"></div><div class="message" id="message"></div>
        <div class="counter" id="counter"></div><div id="jacobian"></div>
        <table id="compare"></table>
        <div class="help">Keys: <kbd>←</kbd> <kbd>→</kbd> step, <kbd>space</kbd> play/pause, <kbd>Home</kbd> <kbd>End</kbd>,
          <kbd>1</kbd>–<kbd>6</kbd> walkthroughs. Edit an input to recompute everything.</div></div></main>`;
  const $ = id => document.getElementById(id);

  D.inputs.forEach(x => {
    const field = document.createElement("label");
    field.innerHTML = `${cut(x.label)} = <input type="text" inputmode="decimal" data-input="${esc(x.name)}" value="${esc(String(x.value))}">`;
    $("inputs").appendChild(field);
  });
  // a finite decimal number only, as explore(at=...) and the command line's --at take: '1e999' (Infinity),
  // 'nan', 'abc' and JavaScript's other number forms ('0x10' is 16, '0b1' is 1) are marked, and the page keeps
  // the last good point
  const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
  $("inputs").addEventListener("input", ev => {
    const box = ev.target, text = box.value.trim();
    const number = DECIMAL.test(text) ? Number(text) : NaN;
    if (!Number.isFinite(number)) { box.classList.add("bad"); return; }
    box.classList.remove("bad");
    inputs[box.dataset.input] = number;
    compute();
    render();
  });

  MODES.forEach((m, i) => {
    const b = document.createElement("button");
    b.textContent = `${i + 1} ${m.title}`;
    b.dataset.mode = m.id;
    b.addEventListener("click", () => setMode(m.id));
    $("tabs").appendChild(b);
  });

  // the drawing: built once, updated by render()
  const svg = document.createElementNS(SVGNS, "svg");
  const [W, H] = D.size;
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("width", W);
  svg.style.width = "100%";
  svg.style.maxWidth = Math.max(W, Math.min(1.5 * W, 700)) + "px";  // small graphs drawn larger
  // large ones no smaller than MIN_SCALE, where their 11-13 px texts still read: the drawing scrolls instead
  // (a 180-node graph is 13,000 px wide, and fitted to a window its texts were one pixel high)
  const MIN_SCALE = 0.8;
  svg.style.minWidth = MIN_SCALE * W + "px";
  if (W > 720) document.querySelector("main").classList.add("wide");  // wide graphs: the panel goes below
  svg.style.height = "auto";
  svg.innerHTML = `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse">
    <path d="M0,0 L10,5 L0,10 z" fill="#777"></path></marker>
    <marker id="arrow-fill" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse">
    <path d="M0,0 L10,5 L0,10 z" fill="#8a3ab9"></path></marker></defs>`;
  $("drawing").appendChild(svg);
  const el = (name, attrs, parent) => {
    const e = document.createElementNS(SVGNS, name);
    Object.entries(attrs || {}).forEach(([k, v]) => e.setAttribute(k, v));
    if (parent) parent.appendChild(e);
    return e;
  };
  const R = 19;
  const shapes = dict();
  NODES.forEach(n => {  // an op whose glyph is wider than the circle (sigmoid, where 0) is an ellipse round it
    const hw = Math.max(R, 4 + 4.2 * n.glyph.length);
    shapes[n.name] = { kind: n.kind === "input" ? "box" : "ellipse", hw: n.kind === "input" ? hw : Math.max(R, hw - 2),
                       hh: n.kind === "input" ? 14 : R };
  });
  function boundary(name, toward) {  // where the segment from the node's centre toward a point leaves its outline
    const [x, y] = NODES[index[name]].xy, s = shapes[name];
    const dx = toward[0] - x, dy = toward[1] - y;
    if (!dx && !dy) return [x, y];
    const k = s.kind === "ellipse" ? 1 / Math.hypot(dx / s.hw, dy / s.hh) : Math.min(dx ? s.hw / Math.abs(dx) : Infinity, dy ? s.hh / Math.abs(dy) : Infinity);
    return [x + dx * k, y + dy * k];
  }
  const edgeLayer = el("g", {}, svg), fillLayer = el("g", {}, svg), nodeLayer = el("g", {}, svg);
  const edgeEls = EDGES.map((e, i) => {
    const pts = [NODES[index[e.u]].xy].concat(e.bends, [NODES[index[e.v]].xy]);
    pts[0] = boundary(e.u, pts[1]);
    pts[pts.length - 1] = boundary(e.v, pts[pts.length - 2]);
    const g = el("g", { class: "edge", "data-edge": i, "data-u": e.u, "data-v": e.v }, edgeLayer);
    el("path", { d: "M" + pts.map(p => p.join(",")).join(" L"), "marker-end": "url(#arrow)" }, g);
    const a = pts[pts.length - 2], b = pts[pts.length - 1];
    const at = e.at || [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];  // the label box the layout kept for it
    const text = el("text", { x: at[0], y: at[1] - 4 }, g);
    return { g: g, text: text };
  });
  const nodeEls = dict();
  NODES.forEach(n => {
    const [x, y] = n.xy, s = shapes[n.name];
    const g = el("g", { class: "node " + n.kind + (OUTPUTS.indexOf(n.name) >= 0 ? " output" : ""), "data-node": n.name }, nodeLayer);
    const title = el("title", {}, g);
    title.textContent = n.names === n.label ? n.def : `${n.def} (${n.names})`;
    if (s.kind === "box") el("rect", { x: x - s.hw, y: y - s.hh, width: 2 * s.hw, height: 2 * s.hh, rx: 4 }, g);
    else el("ellipse", { cx: x, cy: y, rx: s.hw, ry: s.hh }, g);
    if (OUTPUTS.indexOf(n.name) >= 0) {  // an output's second outline, of its own shape (an input may be an output)
      const ring = { class: "ring" };
      if (s.kind === "box") el("rect", { ...ring, x: x - s.hw - 4, y: y - s.hh - 4, width: 2 * s.hw + 8, height: 2 * s.hh + 8, rx: 6 }, g);
      else el("ellipse", { ...ring, cx: x, cy: y, rx: s.hw + 4, ry: s.hh + 4 }, g);
    }
    el("text", { x: x, y: y, class: "glyph" }, g).textContent = n.kind === "input" ? n.glyph : n.glyph;
    // every name the node has (f1, f3 for a node that is outputs 1 and 3); an input's own is in its box
    if (n.kind !== "input" || n.names !== n.label) {
      el("text", { x: x - s.hw + 2, y: y - R - 3, class: "name" }, g).textContent = n.caption;
    }
    const value = el("text", { x: x, y: y + s.hh + 15, class: "val" }, g);
    const deriv = el("text", { x: x, y: y + s.hh + 29, class: "der" }, g);
    nodeEls[n.name] = { g: g, value: value, deriv: deriv };
  });

  // A fill edge's label: the first point along the edge, from its middle outwards, clear of every node (its
  // outline and the value and derivative lines under it) and of the fill labels placed before.  A fill edge
  // joins distant nodes straight across the ones between them, and its midpoint often lay on one of them
  // (the textbook graph's a -> e on c).  Boxes are the text's (centred, about 7 px a character, baseline at y);
  // `placed` holds the edge labels and the fill labels placed before.
  function fillLabelAt(p, q, text, placed) {
    const half = 3.5 * text.length + 4;
    const clear = (x, y) => NODES.every(n => {
      const s = shapes[n.name], [nx, ny] = n.xy;
      return Math.abs(x - nx) > s.hw + half || y < ny - s.hh - 2 || y - 12 > ny + s.hh + 32;
    }) && placed.every(([lx, ly, lh]) => Math.abs(x - lx) > half + lh || Math.abs(y - ly) > 14);
    for (const t of [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8]) {
      const x = p[0] + t * (q[0] - p[0]), y = p[1] + t * (q[1] - p[1]) - 4;
      if (clear(x, y)) return [x, y, half];
    }
    return [(p[0] + q[0]) / 2, (p[1] + q[1]) / 2 - 4, half];
  }

  // ---------------------------------------------------------------- render
  function render() {
    const mode = state.mode, steps = STEPS[mode], upto = state.step[mode];
    const view = replay[mode](steps, upto);
    // a sweep of no steps: no wrt input reaches an output (a constant function, a size-0 sum), so ▶ does nothing;
    // a path sum skipped for its many paths has no steps either, but its derivatives are not 0: replay said why
    const skipped = COUNTED[mode] && D.modes[mode].skipped;
    if (COUNTED[mode] && !steps.length && !skipped) view.message = WRT.length
      ? "Nothing to step through: no input differentiated by reaches an output, so every derivative is 0 and this mode multiplies nothing."
      : "Nothing to step through: the function has no inputs to differentiate by, so this mode has no sweep.";
    // at a mode's end, an entry no step reached is 0: a constant output, or an output no wrt input reaches
    if (view.jac && upto === steps.length && !skipped) WRT.forEach(x => OUTPUTS.forEach(y => { if (view.jac[y][x] === undefined) view.jac[y][x] = 0; }));
    const info = MODES.find(m => m.id === mode);
    document.querySelectorAll("#tabs button").forEach(b => b.classList.toggle("active", b.dataset.mode === mode));
    $("mode-title").textContent = info.title;
    $("about").textContent = info.about;
    $("stepno").textContent = `step ${upto} of ${steps.length}`;
    $("stepno").dataset.step = upto;
    $("stepno").dataset.steps = steps.length;
    $("play").textContent = state.playing ? "❚❚ pause" : "▶ play";
    $("sweep").innerHTML = view.sweep;
    $("message").innerHTML = view.message;
    if (COUNTED[mode]) {
      const total = D.modes[mode].multiplications;
      $("counter").innerHTML = total === undefined ? "" :
        `Multiplications so far: <b id="mults" data-count="${view.mults}">${view.mults}</b> of ${total} ` +
        `<span class="free">(as sg.compare counts them: products with 0 or ±1 are free)</span>`;
    } else $("counter").innerHTML = "";
    $("jacobian").innerHTML = view.jac ? jacobianTable(view.jac) : "";
    NODES.forEach(n => {
      const e = nodeEls[n.name], value = view.value[n.name], der = view.deriv[n.name];
      e.value.textContent = value === undefined ? "" : fmt(value);
      e.deriv.textContent = der === undefined ? "" : `${der.text}=${fmt(der.value)}`;
      keepInside(e.value, n.xy[0]);
      keepInside(e.deriv, n.xy[0]);
      e.g.dataset.value = full(value);
      e.g.dataset.deriv = der === undefined ? "" : full(der.value);
      e.g.classList.toggle("hot", view.hotNodes.has(n.name));
      e.g.classList.toggle("faded", view.faded.has(n.name));
    });
    EDGES.forEach((_, i) => {
      const e = edgeEls[i], text = view.edgeText[i];
      e.text.textContent = text === undefined ? "" : text;
      e.g.classList.toggle("hot", view.hotEdges.has(i));
      e.g.classList.toggle("faded", view.faded.has("edge:" + i));
    });
    fillLayer.innerHTML = "";
    // a fill label keeps clear of the local derivatives written on the edges, as of the fill labels before it
    const placed = EDGES.flatMap((_, i) => {
      const t = edgeEls[i].text;
      return t.textContent ? [[Number(t.getAttribute("x")), Number(t.getAttribute("y")), 3.5 * t.textContent.length + 4]] : [];
    });
    view.fills.forEach(f => {
      const a = NODES[index[f.from]].xy, b = NODES[index[f.to]].xy;
      const p = boundary(f.from, b), q = boundary(f.to, a);
      const g = el("g", { class: "fill" + (view.hotFills.has(f.key) ? " hot" : ""), "data-fill": f.key }, fillLayer);
      el("line", { x1: p[0], y1: p[1], x2: q[0], y2: q[1], "marker-end": "url(#arrow-fill)" }, g);
      const at = fillLabelAt(p, q, f.text, placed);
      placed.push(at);
      el("text", { x: at[0], y: at[1] }, g).textContent = f.text;
    });
    $("outputs").textContent = D.outputs.map((y, k) => `${D.output_labels[k]} = ${fmt(val[y])}`).join(", ");
    follow();
  }

  // a drawing larger than its box scrolls to the step's node (or edge), so the step is never out of sight
  function follow() {
    const box = $("drawing"), hot = nodeLayer.querySelector(".node.hot") || edgeLayer.querySelector(".edge.hot");
    if (!hot || (box.scrollWidth <= box.clientWidth && box.scrollHeight <= box.clientHeight)) return;
    const r = hot.getBoundingClientRect(), b = box.getBoundingClientRect();
    if (r.left < b.left || r.right > b.right) box.scrollLeft += (r.left + r.right - b.left - b.right) / 2;
    if (r.top < b.top || r.bottom > b.bottom) box.scrollTop += (r.top + r.bottom - b.top - b.bottom) / 2;
  }

  // a text centred under a node near the drawing's edge is moved in, not cut off (measured only there)
  function keepInside(text, cx) {
    if (cx > 150 && cx < W - 150) return;
    const half = text.getComputedTextLength() / 2;
    text.setAttribute("x", Math.max(half + 2, Math.min(W - half - 2, cx)));
  }

  function jacobianTable(jac) {
    const head = `<tr><th></th>${WRT.map(x => `<th>∂/∂${cut(label(x))}</th>`).join("")}</tr>`;
    // one row per output position, as sg.jacobian gives: an output listed twice is two equal rows
    const rows = D.outputs.map((y, k) => `<tr><th>${cut(D.output_labels[k])}</th>` + WRT.map(x => {
      const value = jac[y][x], entry = `${esc(D.output_labels[k])}|${esc(x)}`;
      return value === undefined ? `<td class="pending" data-entry="${entry}">…</td>`
        : `<td class="d" data-entry="${entry}" data-value="${full(value)}">${fmt(value)}</td>`;
    }).join("") + "</tr>");
    return `<table class="jac">${head}${rows.join("")}</table>`;
  }

  function compareTable() {
    const rows = ["forward", "reverse", "paths", "elimination"].map(m => {
      const r = D.modes[m];
      return `<tr><th>${m}</th><td>${r.sweeps === undefined || m === "paths" || m === "elimination" ? "–" : r.sweeps}</td>` +
        `<td data-mode-count="${m}">${r.multiplications === undefined ? "not enumerated" : r.multiplications}</td></tr>`;
    });
    $("compare").innerHTML = `<tr><th>mode</th><th>sweeps</th><th>multiplications</th></tr>${rows.join("")}`;
  }

  // ---------------------------------------------------------------- controls
  function go(step) {
    const n = STEPS[state.mode].length;
    state.step[state.mode] = Math.max(0, Math.min(n, step));
    if (state.step[state.mode] === n) stop();
    render();
  }
  function setMode(mode) { stop(); state.mode = mode; render(); }
  function stop() {
    if (state.playing) { clearInterval(state.playing); state.playing = null; }
  }
  function play() {
    if (state.playing) { stop(); render(); return; }
    if (state.step[state.mode] >= STEPS[state.mode].length) state.step[state.mode] = 0;
    state.playing = setInterval(() => go(state.step[state.mode] + 1), 1000 / state.speed);
    render();
  }
  $("first").addEventListener("click", () => { stop(); go(0); });
  $("prev").addEventListener("click", () => { stop(); go(state.step[state.mode] - 1); });
  $("next").addEventListener("click", () => { stop(); go(state.step[state.mode] + 1); });
  $("last").addEventListener("click", () => { stop(); go(STEPS[state.mode].length); });
  $("play").addEventListener("click", play);
  $("speed").addEventListener("change", ev => {
    state.speed = Number(ev.target.value);
    if (state.playing) { stop(); play(); }
  });
  document.addEventListener("keydown", ev => {
    const tag = ev.target && ev.target.tagName;
    if (tag === "INPUT" || tag === "SELECT" || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const now = state.step[state.mode];
    if (ev.key === "ArrowRight" || ev.key === "ArrowDown") { stop(); go(now + 1); }
    else if (ev.key === "ArrowLeft" || ev.key === "ArrowUp") { stop(); go(now - 1); }
    else if (ev.key === " ") play();
    else if (ev.key === "Home") { stop(); go(0); }
    else if (ev.key === "End") { stop(); go(STEPS[state.mode].length); }
    else if (ev.key >= "1" && ev.key <= String(MODES.length)) setMode(MODES[Number(ev.key) - 1].id);
    else return;
    ev.preventDefault();
  });

  compute();
  compareTable();
  render();
  window.symgraphExplorer = {
    mode: () => state.mode, step: () => state.step[state.mode], steps: () => STEPS[state.mode].length,
    setMode: setMode, go: go,
  };
  document.body.dataset.ready = "1";
})();
