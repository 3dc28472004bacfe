// bpnn playground: the page's side. The server trains; this draws its frames and sends the buttons.
"use strict";

const WORDS = {
  en: {
    title: "bpnn playground", tagline: "bpnn's own core, trained live", train: "Train", pause: "Pause", step: "Step",
    reset: "Reset", epoch_label: "Epoch", loss_label: "Training loss", test_loss_label: "Test loss", data: "Data",
    dataset: "Data set", flower: "flower (demo)", circles: "circles", moons: "moons", spiral: "spirals",
    own: "own file", file: "Own CSV/Excel file", x1: "Feature 1", x2: "Feature 2", label: "Label", noise: "Noise",
    test_fraction: "Test share", network: "Network", hidden: "Hidden layers", activation: "Activation",
    solver: "Solver", learning_rate: "Learning rate", batch_size: "Batch size (0: all)", l2: "L2", seed: "Seed",
    boundary: "Decision boundary", test_points: "test points", curves: "Loss curves", training: "training",
    test: "test", drawn: "The network", net_hint: "Line width: |weight|; orange positive, blue negative; hover for the value.",
    step_view: "Step: the backward pass (8-11 … 8-19)", on: "On", batch: "the batch (first 8 training points)",
    one: "one sample (the first)",
    step_hint: "Press Step: one epoch, and here every quantity of the epoch's start weights, from bpnn.explain.",
    quantity: "quantity", formula: "formula", value: "value", no: "no.", lang: "中文",
    trace_head: (t) => `epoch ${t.epoch}, ${t.samples} sample(s), inputs standardised, weights before the step`,
    taken: "The playground is open in another tab; this one no longer updates.", lost: "The server is gone.",
  },
  zh: {
    title: "bpnn 演练场", tagline: "实时训练 bpnn 自己的核心", train: "训练", pause: "暂停", step: "单步",
    reset: "重置", epoch_label: "轮次", loss_label: "训练损失", test_loss_label: "测试损失", data: "数据",
    dataset: "数据集", flower: "花瓣（演示用）", circles: "同心圆", moons: "双月", spiral: "螺旋",
    own: "自己的文件", file: "自己的 CSV/Excel 文件", x1: "特征 1", x2: "特征 2", label: "标签", noise: "噪声",
    test_fraction: "测试比例", network: "网络", hidden: "隐藏层", activation: "激活函数",
    solver: "优化器", learning_rate: "学习率", batch_size: "批大小（0：全部）", l2: "L2 正则", seed: "随机种子",
    boundary: "决策边界", test_points: "测试点", curves: "损失曲线", training: "训练", test: "测试",
    drawn: "网络结构", net_hint: "线宽：|权重|；橙色为正，蓝色为负；悬停显示数值。",
    step_view: "单步：反向传播（8-11 … 8-19）", on: "样本", batch: "一批（前 8 个训练点）", one: "一个样本（第一个）",
    step_hint: "按“单步”：训练一轮，并在此列出该轮起始权重下的每个量，来自 bpnn.explain。",
    quantity: "量", formula: "公式", value: "数值", no: "编号", lang: "English",
    trace_head: (t) => `第 ${t.epoch} 轮，${t.samples} 个样本，输入已标准化，为单步前的权重`,
    taken: "演练场已在另一个标签页打开；本页不再更新。", lost: "服务器已停止。",
  },
};
let lang = "en";
const $ = (id) => document.getElementById(id);
const SETTINGS = ["noise", "test_fraction", "hidden", "activation", "solver", "learning_rate", "batch_size", "l2", "seed"];
let points = null, frame = null, lastTrace = null;

function say(text, note) { $("message").textContent = text || ""; $("message").className = note ? "note" : ""; }

async function post(path, body, raw) {
  const options = { method: "POST" };
  if (raw) { options.body = raw; } else { options.body = JSON.stringify(body || {}); options.headers = { "Content-Type": "application/json" }; }
  const response = await fetch(path, options);
  const answer = await response.json().catch(() => ({ error: `${response.status} ${response.statusText}` }));
  if (!response.ok || answer.error) { say(answer.error || `${response.status}`); return null; }
  say("");
  return answer;
}

// ---- language ---------------------------------------------------------------------------------------------
function translate() {
  const w = WORDS[lang];
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-i18n]").forEach((el) => { const text = w[el.dataset.i18n]; if (typeof text === "string") el.textContent = text; });
  $("lang").textContent = w.lang;
  document.title = w.title;
  if (lastTrace) showTrace(lastTrace);
}

// ---- data and settings ------------------------------------------------------------------------------------
async function loadPoints() {
  points = await (await fetch("/api/points")).json();
  const s = points.settings;
  $("data").value = s.data;
  for (const key of SETTINGS) $(key).value = s[key];
  $("class0").textContent = `${points.label} = ${points.classes[0]}`;
  $("class1").textContent = `${points.label} = ${points.classes[1]}`;
  const own = s.data === "own";
  $("data").querySelector('option[value="own"]').disabled = !points.columns.length && !own;
  $("columns").hidden = !points.columns.length;
  if (points.columns.length) {
    for (const [id, chosen] of [["x1", points.features[0]], ["x2", points.features[1]], ["label", points.label]]) {
      $(id).innerHTML = "";
      for (const name of points.columns) { const o = document.createElement("option"); o.value = o.textContent = name; $(id).appendChild(o); }
      $(id).value = chosen;
    }
  }
  if (points.notes.length) say(points.notes.join("\n"), true);
}

function settings() {
  const s = { data: $("data").value };
  for (const key of SETTINGS) s[key] = $(key).value;
  for (const key of ["noise", "test_fraction", "learning_rate", "l2"]) s[key] = Number(s[key]);
  for (const key of ["batch_size", "seed"]) s[key] = Math.round(Number(s[key]));
  return s;
}

let ownFile = null;
async function upload(file, columns) {
  ownFile = file;
  const query = new URLSearchParams({ name: file.name, ...(columns || {}) });
  const answer = await post(`/api/upload?${query}`, null, file);
  if (answer && answer.notes.length) say(answer.notes.join("\n"), true);
}

// ---- drawing ----------------------------------------------------------------------------------------------
const C0 = [232, 131, 58], C1 = [58, 126, 232];
function drawBoundary() {
  const canvas = $("boundary"), ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
  if (!frame) return;
  const g = frame.grid, n = g.size, image = ctx.createImageData(n, n);
  for (let i = 0; i < n * n; i++) {
    const p = g.p[i], c = p >= 0.5 ? C1 : C0, a = Math.min(1, Math.abs(p - 0.5) * 2);
    for (let k = 0; k < 3; k++) image.data[4 * i + k] = Math.round(255 - (255 - c[k]) * 0.55 * a);
    image.data[4 * i + 3] = 255;
  }
  const small = document.createElement("canvas"); small.width = small.height = n;
  small.getContext("2d").putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(small, 0, 0, W, H);
  if (!points) return;
  const sx = (x) => (x - g.low[0]) / (g.high[0] - g.low[0]) * W, sy = (y) => H - (y - g.low[1]) / (g.high[1] - g.low[1]) * H;
  for (let i = 0; i < points.y.length; i++) {
    const [x, y] = points.X[i], c = points.y[i] ? C1 : C0;
    ctx.beginPath(); ctx.arc(sx(x), sy(y), 3.2, 0, 2 * Math.PI);
    ctx.fillStyle = `rgb(${c})`; ctx.fill();
    ctx.lineWidth = points.test[i] ? 1.6 : 0.6; ctx.strokeStyle = points.test[i] ? "#111" : "#fff"; ctx.stroke();
  }
  ctx.fillStyle = "#333"; ctx.font = "11px sans-serif";
  ctx.fillText(points.features[0], W - ctx.measureText(points.features[0]).width - 4, H - 4);
  ctx.save(); ctx.translate(11, 4 + ctx.measureText(points.features[1]).width); ctx.rotate(-Math.PI / 2); ctx.fillText(points.features[1], 0, 0); ctx.restore();
}

function drawCurves() {
  const canvas = $("curves"), ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height, pad = 30;
  ctx.clearRect(0, 0, W, H);
  if (!frame) return;
  const c = frame.curves, values = [...c.train, ...c.test].filter((v) => v !== null);
  if (!values.length) return;
  const top = Math.max(...values) * 1.05 || 1, last = Math.max(1, c.epoch[c.epoch.length - 1]);
  const sx = (e) => pad + e / last * (W - pad - 8), sy = (v) => H - 18 - v / top * (H - 28);
  ctx.strokeStyle = "#ccc"; ctx.beginPath(); ctx.moveTo(pad, 8); ctx.lineTo(pad, H - 18); ctx.lineTo(W - 8, H - 18); ctx.stroke();
  ctx.fillStyle = "#555"; ctx.font = "10px sans-serif";
  ctx.fillText(top.toPrecision(2), 2, 14); ctx.fillText("0", 18, H - 18); ctx.fillText(String(last), W - 8 - ctx.measureText(String(last)).width, H - 5);
  for (const [key, color] of [["train", "#222"], ["test", "#c0392b"]]) {
    ctx.strokeStyle = color; ctx.lineWidth = 1.6; ctx.beginPath();
    let started = false;
    c[key].forEach((v, i) => { if (v === null) return; const x = sx(c.epoch[i]), y = sy(v); if (started) ctx.lineTo(x, y); else { ctx.moveTo(x, y); started = true; } });
    ctx.stroke();
  }
}

let drawnShape = "";
function drawNetwork() {
  const svg = $("net"), W = 420, H = 260, sizes = frame.layers, ns = "http://www.w3.org/2000/svg";
  const x = (l) => 30 + l * (W - 60) / (sizes.length - 1), y = (l, i) => H / 2 + (i - (sizes[l] - 1) / 2) * Math.min(36, (H - 30) / sizes[l]);
  const shape = sizes.join(",");
  if (shape !== drawnShape) {
    svg.innerHTML = ""; drawnShape = shape;
    for (let l = 0; l + 1 < sizes.length; l++)
      for (let i = 0; i < sizes[l]; i++)
        for (let j = 0; j < sizes[l + 1]; j++) {
          const line = document.createElementNS(ns, "line");
          line.setAttribute("x1", x(l)); line.setAttribute("y1", y(l, i)); line.setAttribute("x2", x(l + 1)); line.setAttribute("y2", y(l + 1, j));
          line.id = `w-${l}-${i}-${j}`; line.appendChild(document.createElementNS(ns, "title")); svg.appendChild(line);
        }
    sizes.forEach((n, l) => { for (let i = 0; i < n; i++) {
      const circle = document.createElementNS(ns, "circle");
      circle.setAttribute("cx", x(l)); circle.setAttribute("cy", y(l, i)); circle.setAttribute("r", 9);
      circle.setAttribute("fill", l === 0 ? "#eee" : "#fff"); circle.setAttribute("stroke", "#555");
      circle.id = `n-${l}-${i}`; circle.appendChild(document.createElementNS(ns, "title")); svg.appendChild(circle);
    } });
    const label = (t, cx, cy) => { const text = document.createElementNS(ns, "text"); text.setAttribute("x", cx); text.setAttribute("y", cy); text.textContent = t; svg.appendChild(text); };
    ["x1", "x2"].forEach((t, i) => label(t, 2, y(0, i) - 12));
    label("a2", x(sizes.length - 1) + 12, y(sizes.length - 1, 0) + 4);
  }
  const all = frame.weights.flat(2).map(Math.abs), big = Math.max(1e-9, ...all);
  frame.weights.forEach((Wl, l) => Wl.forEach((row, i) => row.forEach((w, j) => {
    const line = $(`w-${l}-${i}-${j}`);
    line.setAttribute("stroke", w >= 0 ? "#e8833a" : "#3a7ee8"); line.setAttribute("stroke-width", (0.4 + 5 * Math.abs(w) / big).toFixed(2));
    line.firstChild.textContent = `W[${l + 1}] ${i + 1}→${j + 1} = ${w.toPrecision(4)}`;
  })));
  frame.biases.forEach((b, l) => b.forEach((v, j) => { const c = $(`n-${l + 1}-${j}`); if (c) c.firstChild.textContent = `b[${l + 1}] ${j + 1} = ${v.toPrecision(4)}`; }));
}

// ---- the Step view ----------------------------------------------------------------------------------------
function format(value) {
  if (!Array.isArray(value)) return Number(value).toPrecision(5);
  if (!Array.isArray(value[0])) return value.map((v) => Number(v).toPrecision(5)).join("  ");
  return value.map((row) => row.map((v) => Number(v).toPrecision(5).padStart(11)).join(" ")).join("\n");
}
function showTrace(t) {
  lastTrace = t;
  const w = WORDS[lang], box = $("trace");
  box.innerHTML = "";
  const head = document.createElement("p"); head.className = "hint"; head.textContent = w.trace_head(t); box.appendChild(head);
  const table = document.createElement("table");
  table.innerHTML = `<thead><tr><th>${w.no}</th><th>${w.quantity}</th><th>${w.formula}</th><th>${w.value}</th></tr></thead>`;
  const body = document.createElement("tbody");
  for (const q of t.quantities) {
    const tr = document.createElement("tr"); tr.dataset.name = q.name; if (q.number) tr.dataset.number = q.number;
    const cells = [q.number || "", q.name, q.formula];
    cells.forEach((text, k) => { const td = document.createElement("td"); td.textContent = text; td.className = ["num", "name", "formula"][k]; tr.appendChild(td); });
    const td = document.createElement("td"), code = document.createElement("code");
    code.className = "values"; code.textContent = format(q.value); code.dataset.value = JSON.stringify(q.value);
    td.appendChild(code); tr.appendChild(td); body.appendChild(tr);
  }
  table.appendChild(body); box.appendChild(table);
}

// ---- the stream -------------------------------------------------------------------------------------------
function show(f) {
  frame = f;
  $("epoch").textContent = f.epoch;
  $("loss").textContent = f.loss === null ? "–" : f.loss.toFixed(4);
  $("test-loss").textContent = f.test_loss === null ? "–" : f.test_loss.toFixed(4);
  $("train").classList.toggle("running", f.running);
  if (f.error) say(f.error);
  if (!points || points.version !== f.version) { loadPoints().then(() => drawBoundary()); }
  drawBoundary(); drawCurves(); drawNetwork();
}

function connect() {
  const socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  let taken = false;
  socket.onmessage = (event) => {
    const f = JSON.parse(event.data);
    if (f.type === "taken") { taken = true; say(WORDS[lang].taken); return; }
    show(f);
  };
  socket.onclose = () => { if (!taken) { say(WORDS[lang].lost); setTimeout(connect, 2000); } };
}

// ---- the buttons ------------------------------------------------------------------------------------------
$("train").onclick = () => post("/api/train");
$("pause").onclick = () => post("/api/pause");
$("reset").onclick = () => post("/api/reset");
$("step").onclick = async () => {
  const on = $("trace-on").value;
  const answer = await post("/api/step", on === "batch" ? {} : { sample: Number(on) });
  if (answer) showTrace(answer.trace);
};
$("lang").onclick = () => { lang = lang === "en" ? "zh" : "en"; translate(); };
$("file").onchange = (event) => { const file = event.target.files[0]; if (file) upload(file); };
for (const id of ["x1", "x2", "label"]) $(id).onchange = () => { if (ownFile) upload(ownFile, { x1: $("x1").value, x2: $("x2").value, label: $("label").value }); };
$("data").onchange = () => post("/api/settings", settings());
for (const key of SETTINGS) $(key).onchange = () => post("/api/settings", settings());
connect();
