// NeuralKit Playground page: every number shown comes from the NeuralKit engine on the server.
"use strict";
const $ = (id) => document.getElementById(id);
const FEATURES = [["x1", "x₁"], ["x2", "x₂"], ["x1Squared", "x₁²"], ["x2Squared", "x₂²"], ["x1TimesX2", "x₁x₂"], ["sinX1", "sin x₁"], ["sinX2", "sin x₂"]];
let ACTIVATIONS = ["tanh"];   // the server's menus replace this (GET /api/menus: the registries of model JSON)
const RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
let state = { hidden: [{ neurons: 4, activation: "tanh" }, { neurons: 2, activation: "tanh" }], features: ["x1", "x2"], csv: null };
let session = null, stream = null, last = null, backpropExample = -1, backpropShown = 0;

function fillSelect(el, values, chosen) {
  el.innerHTML = values.map((v) => `<option value="${v}"${v === chosen ? " selected" : ""}>${v}</option>`).join("");
}

function config() {
  const c = {
    dataset: $("dataset").value, noise: +$("noise").value / 100, trainRatio: +$("ratio").value / 100, seed: +$("seed").value,
    batchSize: +$("batch").value, features: state.features, hidden: state.hidden, learningRate: +$("lr").value,
    optimizer: $("optimizer").value, schedule: $("schedule").value, regularization: $("regularization").value,
    regularizationRate: +$("regRate").value, dropout: +$("dropout").value, batchNorm: $("batchNorm").checked,
  };
  if (state.csv) c.csv = state.csv;
  return c;
}

async function api(path, options) {
  const response = await fetch(path, options);
  const text = await response.text();
  let body = null;
  try { body = JSON.parse(text); } catch (e) { body = null; }
  if (!response.ok) throw new Error((body && body.error) || `${response.status} ${text}`);
  return body;
}

async function reset() {
  pause();
  $("error").textContent = "";
  backpropExample = -1;
  $("backprop").innerHTML = "";
  $("backpropPoint").textContent = "";
  try {
    if (session) fetch(`/api/sessions/${session}`, { method: "DELETE" });
    const created = await api("/api/sessions", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(config()) });
    session = created.id;
    render(created.state);
    $("exportSpec").href = `/api/sessions/${session}/export/model.json`;
    $("exportWeights").href = `/api/sessions/${session}/export/model.safetensors`;
    location.hash = encodeURIComponent(JSON.stringify(Object.assign(config(), { csv: undefined })));
  } catch (e) { $("error").textContent = e.message; }
}

function play() {
  if (!session) return;
  stream = new EventSource(`/api/sessions/${session}/stream?epochs=2000`);
  stream.onmessage = (event) => render(JSON.parse(event.data));
  stream.onerror = () => pause();
  $("play").textContent = "⏸ Pause";
}

function pause() {
  if (stream) stream.close();
  stream = null;
  $("play").textContent = "▶ Play";
  if (backpropExample >= 0 && last) backprop(backpropExample % last.train.length);
}

async function step() {
  if (!session) return;
  try {
    render(await api(`/api/sessions/${session}/train`, { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"epochs": 1}' }));
  } catch (e) { $("error").textContent = e.message; }
}

// Up to 6 numbers with 4 significant digits, "…" for the rest; every number in the cell's tooltip.
function brief(values) {
  if (values === null) return ["–", ""];
  const shown = values.slice(0, 6).map((v) => (v === null ? "nan" : +v.toPrecision(4))).join(", ");
  return [values.length === 1 ? shown : `[${shown}${values.length > 6 ? ", …" : ""}]`, values.join(", ")];
}

async function backprop(example) {
  if (!session || !last) return;
  try {
    const t = await api(`/api/sessions/${session}/backprop?example=${example}`);
    backpropExample = t.example;
    backpropShown = Date.now();
    const [x1, x2, label] = t.point;
    $("backpropPoint").textContent = `Training point ${t.example}: x₁ = ${x1.toFixed(3)}, x₂ = ${x2.toFixed(3)}, label ${+label.toFixed(3)}; ` +
      `loss ${brief(t.steps[t.steps.length - 1].value)[0]}`;
    const escape = (text) => text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
    const cell = (values) => { const [text, all] = brief(values); return `<td title="${escape(all)}">${escape(text)}</td>`; };
    $("backprop").innerHTML = "<tr><th>#</th><th>op</th><th>inputs</th><th>shape</th><th>value</th><th>gradient ∂loss/∂value</th></tr>" +
      t.steps.map((s, i) => `<tr><td>${i}</td><td>${escape(s.op)}</td><td>${s.inputs.length ? s.inputs.map((j) => (j === null ? "c" : j)).join(", ") : "–"}</td>` +
        `<td>[${s.shape.join(", ")}]</td>${cell(s.value)}${cell(s.gradient)}</tr>`).join("");
  } catch (e) { $("error").textContent = e.message; }
}

function colour(v, regression) {
  // orange for class 0 / low, blue for class 1 / high
  const t = regression ? Math.max(0, Math.min(1, (v + 1) / 2)) : Math.max(0, Math.min(1, v));
  const a = [245, 147, 34], b = [8, 119, 189];
  return a.map((x, i) => Math.round(x + (b[i] - x) * t));
}

function heatmap(canvas, values, n, regression, classes) {
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(n, n);
  values.forEach((v, i) => {
    const c = classes > 2 ? [[245, 147, 34], [8, 119, 189], [60, 170, 90]][Math.round(v) % 3] : colour(v, regression);
    img.data.set([c[0], c[1], c[2], 200], i * 4);
  });
  const off = document.createElement("canvas");
  off.width = n; off.height = n;
  off.getContext("2d").putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
}

function render(s) {
  last = s;
  $("epoch").textContent = s.epoch;
  // A loss that overflowed (NaN or infinite) arrives as null: the run diverged.
  const loss = (v) => (v === null ? "diverged" : v.toFixed(3));
  $("trainLoss").textContent = loss(s.trainLoss);
  $("testLoss").textContent = loss(s.testLoss);
  $("rule").textContent = s.rule;
  const canvas = $("surface"), ctx = canvas.getContext("2d");
  const classes = s.regression ? 0 : Math.max(2, ...s.train.map((p) => p[2] + 1));
  heatmap(canvas, s.surface, s.resolution, s.regression, classes);
  const px = (x) => ((x + 6) / 12) * canvas.width, py = (y) => ((6 - y) / 12) * canvas.height;
  const points = s.train.concat($("showTest").checked ? s.test : []);
  points.forEach((p, i) => {
    const c = classes > 2 ? [[245, 147, 34], [8, 119, 189], [60, 170, 90]][p[2] % 3] : colour(p[2], s.regression);
    ctx.fillStyle = `rgb(${c})`;
    ctx.strokeStyle = i >= s.train.length ? "black" : "white";
    ctx.beginPath(); ctx.arc(px(p[0]), py(p[1]), 3, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
  });
  drawCurve(s.lossHistory, s.testLossHistory);
  drawNetwork(s);
  // A trace on show follows steps and weight edits, and training under Play once a second.
  if (backpropExample >= 0 && (!stream || Date.now() - backpropShown > 1000)) backprop(backpropExample % s.train.length);
  // For tests and assistive tools: how many pixels of the decision surface are painted.
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
  canvas.dataset.painted = painted;
}

// Training loss per epoch (dark) and test loss per step (orange), on one scale from 0.
function drawCurve(train, test) {
  const c = $("curve"), ctx = c.getContext("2d");
  ctx.clearRect(0, 0, c.width, c.height);
  const finite = (v) => v !== null && isFinite(v);   // null: a loss that overflowed
  const max = Math.max(0.01, ...train.filter(finite), ...test.filter(finite));
  [[train, "#183d5d"], [test, "#f59322"]].forEach(([series, colour]) => {
    if (series.length < 2) return;
    ctx.strokeStyle = colour; ctx.beginPath();
    let drawing = false;
    series.forEach((l, i) => {
      if (!finite(l)) { drawing = false; return; }
      const x = (i / (series.length - 1)) * c.width, y = c.height - (Math.min(l, max) / max) * (c.height - 6) - 3;
      drawing ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
      drawing = true;
    });
    ctx.stroke();
  });
}

function drawNetwork(s) {
  const svg = $("diagram");
  const widths = [s.features.length].concat(s.layers.map((l) => l.biases.length));
  const x = (i) => 30 + (i * (svg.clientWidth || 560 - 60)) / Math.max(widths.length - 1, 1) * 0.9;
  const y = (i, j) => 20 + j * 36 + (8 - widths[i]) * 18;
  let html = "";
  s.layers.forEach((layer, l) => layer.weights.forEach((row, r) => row.forEach((w, c) => {
    const colourW = w >= 0 ? "#0877bd" : "#f59322";
    html += `<line x1="${x(l) + 14}" y1="${y(l, r) + 14}" x2="${x(l + 1) + 14}" y2="${y(l + 1, c) + 14}" stroke="${colourW}" ` +
      `stroke-width="${Math.min(8, 0.5 + Math.abs(w) * 2)}" opacity="0.7" data-layer="${l}" data-row="${r}" data-column="${c}" data-w="${w}"><title>${w.toFixed(3)}</title></line>`;
  })));
  widths.forEach((n, i) => { for (let j = 0; j < n; j++) html += `<foreignObject x="${x(i)}" y="${y(i, j)}" width="28" height="28"><canvas xmlns="http://www.w3.org/1999/xhtml" width="28" height="28" data-i="${i}" data-j="${j}"></canvas></foreignObject>`; });
  widths.forEach((n, i) => { if (i === 0) for (let j = 0; j < n; j++) html += `<text x="${x(i) - 26}" y="${y(i, j) + 18}" font-size="11">${FEATURES.find((f) => f[0] === s.features[j])[1]}</text>`; });
  svg.innerHTML = html;
  svg.querySelectorAll("canvas").forEach((cv) => {
    const i = +cv.dataset.i, j = +cv.dataset.j;
    const maps = s.neurons[i];
    if (maps && maps[j]) heatmap(cv, maps[j].map((v) => (v + 1) / 2), Math.round(Math.sqrt(maps[j].length)), false, 0);
    else { const ctx = cv.getContext("2d"); ctx.fillStyle = "#ddd"; ctx.fillRect(0, 0, 28, 28); }
  });
  svg.querySelectorAll("line").forEach((line) => line.addEventListener("click", async () => {
    const value = prompt(`Weight ${line.dataset.layer}[${line.dataset.row}, ${line.dataset.column}]`, line.dataset.w);
    if (value === null || !session) return;
    try {
      render(await api(`/api/sessions/${session}/weight`, { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ layer: +line.dataset.layer, row: +line.dataset.row, column: +line.dataset.column, value: +value }) }));
    } catch (e) { $("error").textContent = e.message; }
  }));
}

function drawLayers() {
  $("layers").innerHTML = state.hidden.map((l, i) => `<span class="layer">${l.neurons} neurons ` +
    `<button data-i="${i}" data-d="1">+</button><button data-i="${i}" data-d="-1">−</button> ` +
    `<select data-i="${i}">${ACTIVATIONS.map((a) => `<option${a === l.activation ? " selected" : ""}>${a}</option>`).join("")}</select></span>`).join("");
  $("layers").querySelectorAll("button").forEach((b) => b.addEventListener("click", () => {
    const l = state.hidden[+b.dataset.i];
    l.neurons = Math.max(1, Math.min(8, l.neurons + +b.dataset.d));
    drawLayers(); reset();
  }));
  $("layers").querySelectorAll("select").forEach((s) => s.addEventListener("change", () => { state.hidden[+s.dataset.i].activation = s.value; reset(); }));
}

async function setup() {
  try {
    const menus = await api("/api/menus");
    ACTIVATIONS = menus.activations;
    fillSelect($("optimizer"), menus.optimizers, "sgd");
    fillSelect($("schedule"), menus.schedules, "constant");
  } catch (e) { $("error").textContent = e.message; }
  fillSelect($("lr"), RATES.map(String), "0.03");
  fillSelect($("regRate"), ["0", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1", "3", "10"], "0");
  $("features").innerHTML = FEATURES.map(([k, label]) => `<label><input type="checkbox" value="${k}"${state.features.includes(k) ? " checked" : ""}> ${label}</label>`).join("");
  $("features").querySelectorAll("input").forEach((box) => box.addEventListener("change", () => {
    state.features = [...$("features").querySelectorAll("input:checked")].map((b) => b.value); reset();
  }));
  if (location.hash.length > 1) {
    try {
      const c = JSON.parse(decodeURIComponent(location.hash.slice(1)));
      Object.entries({ dataset: c.dataset, seed: c.seed, optimizer: c.optimizer, schedule: c.schedule, regularization: c.regularization })
        .forEach(([id, v]) => { if (v !== undefined) $(id).value = v; });
      if (c.noise !== undefined) $("noise").value = Math.round(c.noise * 100);
      if (c.trainRatio !== undefined) $("ratio").value = Math.round(c.trainRatio * 100);
      if (c.batchSize) $("batch").value = c.batchSize;
      if (c.learningRate) $("lr").value = String(c.learningRate);
      if (c.hidden) state.hidden = c.hidden;
      if (c.features) state.features = c.features;
    } catch (e) { /* an unreadable permalink falls back to the defaults */ }
  }
  ["noise", "ratio", "batch"].forEach((id) => {
    $(id + "Value").textContent = $(id).value;   // a permalink may have moved the slider
    $(id).addEventListener("input", () => { $(id + "Value").textContent = $(id).value; });
  });
  ["dataset", "noise", "ratio", "seed", "batch", "lr", "optimizer", "schedule", "regularization", "regRate", "dropout", "batchNorm"]
    .forEach((id) => $(id).addEventListener("change", reset));
  $("showTest").addEventListener("change", () => last && render(last));
  $("backpropNext").addEventListener("click", () => last && backprop((backpropExample + 1) % last.train.length));
  $("surface").addEventListener("click", (event) => {
    if (!last) return;
    const canvas = $("surface"), box = canvas.getBoundingClientRect();
    const x = ((event.clientX - box.left) / box.width) * 12 - 6, y = 6 - ((event.clientY - box.top) / box.height) * 12;
    let best = -1, distance = Infinity;
    last.train.forEach((p, i) => { const d = (p[0] - x) ** 2 + (p[1] - y) ** 2; if (d < distance) { distance = d; best = i; } });
    if (best >= 0) backprop(best);
  });
  $("reset").addEventListener("click", reset);
  $("play").addEventListener("click", () => (stream ? pause() : play()));
  $("step").addEventListener("click", step);
  $("addLayer").addEventListener("click", () => { if (state.hidden.length < 6) state.hidden.push({ neurons: 2, activation: "tanh" }); drawLayers(); reset(); });
  $("removeLayer").addEventListener("click", () => { state.hidden.pop(); drawLayers(); reset(); });
  $("csv").addEventListener("change", async () => { const f = $("csv").files[0]; if (f) { state.csv = await f.text(); reset(); } });
  $("importWeights").addEventListener("change", async () => {
    const f = $("importWeights").files[0];
    if (!f || !session) return;
    try { render(await api(`/api/sessions/${session}/import`, { method: "POST", headers: { "Content-Type": "application/octet-stream" }, body: await f.arrayBuffer() })); }
    catch (e) { $("error").textContent = e.message; }
  });
  $("clearCsv").addEventListener("click", () => { state.csv = null; $("csv").value = ""; reset(); });
  $("permalink").addEventListener("click", (e) => { e.preventDefault(); navigator.clipboard && navigator.clipboard.writeText(location.href); });
  drawLayers();
  reset().then(() => {
    const query = new URLSearchParams(location.search);
    if (query.has("backprop")) backprop(+query.get("backprop") || 0);
    if (query.has("play")) play();
  });
}

setup();
