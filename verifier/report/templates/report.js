// Draws the report's timeline, overview and latency plot from the embedded JSON.
// Every string from the history reaches the page through textContent or an SVG text node:
// never through innerHTML, so a hostile history cannot inject markup or script.
(function () {
  "use strict";
  const D = JSON.parse(document.getElementById("report-data").textContent);
  const NS = "http://www.w3.org/2000/svg";
  const GUTTER = 132, RIGHT = 14, AXIS_H = 26, SECTION_H = 20;
  const LANE_H = D.lanes.length > 60 ? 13 : 22, BAR_H = LANE_H > 14 ? 14 : 9;
  const HOLD_ROW_H = 14, HOLD_MAX_ROWS = 3;
  const PALETTE = ["#4e79a7", "#8b6bb1", "#2f8f9d", "#9c755f", "#5b6bbf", "#b07aa1", "#3d5a80", "#7f7f7f"];
  const STATUS_COLOR = { ok: "#3a9d5d", fail: "#e08a2e", info: "#e3c13b", pending: "#a3acb6" };
  const END = D.extent[1];
  const tip = document.getElementById("tooltip");
  const timelineBox = document.getElementById("timeline");

  function el(tag, attrs, text) {
    const node = document.createElementNS(NS, tag);
    for (const name in attrs) node.setAttribute(name, attrs[name]);
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function fmt(t) {
    if (D.unit !== "s") return "event " + Math.round(t);
    return (+t.toFixed(3)).toString() + " s";
  }
  function niceStep(span, count) {
    const raw = span / count, mag = Math.pow(10, Math.floor(Math.log10(raw || 1)));
    const norm = raw / mag;
    return (norm < 1.5 ? 1 : norm < 3.5 ? 2 : norm < 7.5 ? 5 : 10) * mag;
  }
  function padded(t0, t1, frac) {
    const span = Math.max(t1 - t0, D.unit === "s" ? 1e-3 : 1);
    return [t0 - span * frac, t1 + span * frac];
  }

  // ---- view state: the visible time range; zoom and pan change it, render() draws it.
  const home = padded(D.window[0], D.window[1], 0.02);
  let view = home.slice();
  let pending = false;
  function setView(t0, t1) {
    const min = D.unit === "s" ? 1e-6 : 2;
    if (t1 - t0 < min) { const c = (t0 + t1) / 2; t0 = c - min / 2; t1 = c + min / 2; }
    view = [t0, t1];
    if (!pending) { pending = true; requestAnimationFrame(function () { pending = false; render(); }); }
  }
  function zoom(factor, at) {
    const c = at === undefined ? (view[0] + view[1]) / 2 : at;
    setView(c - (c - view[0]) * factor, c + (view[1] - c) * factor);
  }

  // ---- hover details
  function showTip(evt, title, rows) {
    tip.replaceChildren();
    const head = document.createElement("div");
    head.className = "tt-title";
    head.textContent = title;
    tip.appendChild(head);
    for (const [label, value] of rows) {
      if (value === null || value === undefined) continue;
      const row = document.createElement("div");
      row.textContent = label + ": " + value;
      tip.appendChild(row);
    }
    tip.hidden = false;
    moveTip(evt);
  }
  function moveTip(evt) {
    const x = Math.min(evt.clientX + 14, window.innerWidth - tip.offsetWidth - 8);
    const y = Math.min(evt.clientY + 14, window.innerHeight - tip.offsetHeight - 8);
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  }
  function hideTip() { tip.hidden = true; }
  function opDetails(op) {
    const end = op.t1 === null ? null : op.t1;
    return [
      ["process", op.p], ["key", op.key], ["value", op.value], ["fencing token", op.token], ["outcome", op.status],
      ["invoked", fmt(op.t0) + " (index " + op.index + ")"],
      ["completed", end === null ? "never" : fmt(end) + " (index " + op.done + ")"],
      ["latency", end === null || D.unit !== "s" ? null : ((end - op.t0) * 1000).toFixed(3) + " ms"],
      ["error", op.error], ["", op.hl === 1 ? "part of the violation" : op.hl === 2 ? "involved in another failing check" : null],
    ];
  }
  function bindTip(node, title, rows) {
    node.addEventListener("mouseenter", function (evt) { showTip(evt, title, rows()); });
    node.addEventListener("mousemove", moveTip);
    node.addEventListener("mouseleave", hideTip);
  }

  // ---- lock-hold lanes: overlapping holds (the violation!) go to separate rows
  const holdLanes = D.holds.keys.map(function (lane) {
    const rowEnds = [];
    const placed = lane.holds.map(function (h) {
      const end = h.t1 === null ? Infinity : h.t1;
      let row = rowEnds.findIndex(function (e) { return e < h.t0; });
      if (row < 0) { row = Math.min(rowEnds.length, HOLD_MAX_ROWS - 1); }
      rowEnds[row] = Math.max(rowEnds[row] === undefined ? -Infinity : rowEnds[row], end);
      return { h: h, row: row };
    });
    return { key: lane.key, placed: placed, rows: Math.max(rowEnds.length, 1) };
  });
  const processes = {};
  D.lanes.forEach(function (label, n) { processes[label] = PALETTE[n % PALETTE.length]; });

  function render() {
    const width = Math.max(timelineBox.clientWidth, 480);
    const plotW = width - GUTTER - RIGHT;
    const x = function (t) { return GUTTER + (t - view[0]) / (view[1] - view[0]) * plotW; };
    const clampX = function (t) { return Math.max(GUTTER, Math.min(width - RIGHT, x(t))); };
    const lanesTop = AXIS_H + SECTION_H;
    const lanesH = D.lanes.length * LANE_H;
    const holdsTop = lanesTop + lanesH + (holdLanes.length ? SECTION_H + 6 : 0);
    let holdsH = 0;
    holdLanes.forEach(function (l) { holdsH += l.rows * HOLD_ROW_H + 8; });
    const height = holdsTop + holdsH + (D.holds.more_keys ? 18 : 0) + 6;
    const svg = el("svg", { width: width, height: height, "class": "timeline-svg", role: "img" });
    const plot = el("svg", { x: GUTTER, y: 0, width: plotW, height: height, overflow: "hidden" });
    const px = function (t) { return x(t) - GUTTER; };

    // axis and grid
    const step = niceStep(view[1] - view[0], Math.max(Math.floor(plotW / 110), 2));
    for (let t = Math.ceil(view[0] / step) * step; t <= view[1]; t += step) {
      plot.appendChild(el("line", { x1: px(t), x2: px(t), y1: AXIS_H - 4, y2: height, stroke: "#eef0f3" }));
      plot.appendChild(el("text", { x: px(t) + 3, y: AXIS_H - 10, "class": "tick" }, fmt(t)));
    }
    svg.appendChild(el("text", { x: 4, y: lanesTop - 6, "class": "section-label" }, "processes"));

    // lane backgrounds and labels
    D.lanes.forEach(function (label, n) {
      const y = lanesTop + n * LANE_H;
      if (n % 2 === 0) svg.appendChild(el("rect", { x: 0, y: y, width: width, height: LANE_H, fill: "#f6f8fa" }));
      svg.appendChild(el("text", { x: 8, y: y + LANE_H / 2 + 4, "class": "lane-label" }, label));
    });
    const holdRows = holdLaneBackgrounds(svg, holdsTop, width);
    svg.appendChild(plot);

    // nemesis faults: shaded bands over the lanes they hit (all lanes when untargeted)
    D.faults.forEach(function (f) {
      const t1 = f.t1 === null ? END : f.t1;
      if (t1 < view[0] || f.t0 > view[1]) return;
      const spans = f.lanes.length ? f.lanes.map(function (n) { return [lanesTop + n * LANE_H, LANE_H]; }) : [[lanesTop - 4, lanesH + 4]];
      const x0 = px(f.t0), w = Math.max(px(t1) - x0, 2);
      spans.forEach(function (s) {
        const band = el("rect", { x: x0, y: s[0], width: w, height: s[1], "class": "fault-band" });
        bindTip(band, "nemesis: " + f.name, function () {
          return [["value", f.value], ["from", fmt(f.t0)], ["to", f.t1 === null ? "end of history (never stopped)" : fmt(f.t1)]];
        });
        plot.appendChild(band);
      });
      const ly = f.lanes.length ? lanesTop + f.lanes[0] * LANE_H - 2 : lanesTop - 6;
      plot.appendChild(el("text", { x: Math.max(x0, 0) + 3, y: ly, "class": "fault-label" }, f.name));
    });

    // operations: a bar from invocation to completion, pending ones run to the end
    D.ops.forEach(function (op) {
      const t1 = op.t1 === null ? END : op.t1;
      if (t1 < view[0] || op.t0 > view[1]) return;
      const y = lanesTop + op.lane * LANE_H + (LANE_H - BAR_H) / 2;
      const x0 = px(op.t0), w = Math.max(px(t1) - x0, 2.5);
      const cls = "op " + op.status + (op.hl === 1 ? " violating" : op.hl === 2 ? " involved" : "");
      const bar = el("rect", { x: x0, y: y, width: w, height: BAR_H, rx: 2, "class": cls, "data-op": op.id, "data-index": op.index });
      if (op.status === "pending") bar.setAttribute("fill-opacity", "0.6");
      bindTip(bar, op.f + " — " + op.status, function () { return opDetails(op); });
      plot.appendChild(bar);
      if (op.hl === 1) plot.appendChild(el("path", { d: "M" + (x0 - 5) + " " + (y - 4) + " l5 6 l5 -6 z", "class": "marker" }));
      const label = op.f + (op.token !== null ? " #" + op.token : op.value !== null && op.f !== "acquire" && op.f !== "release" ? " " + op.value : "");
      if (w > label.length * 6 + 6 && BAR_H > 10) {
        plot.appendChild(el("text", { x: Math.max(x0, 0) + 4, y: y + BAR_H - 3.5, "class": "bar-label" }, label));
      }
    });

    holdLanes.forEach(function (lane, n) { drawHolds(plot, lane, holdRows[n], px); });
    timelineBox.replaceChildren(svg);
    renderOverview();
  }

  // ---- lock holds per key (fencing tokens on the bars): lane backgrounds go under the plot
  function holdLaneBackgrounds(svg, top, width) {
    if (!holdLanes.length) return [];
    svg.appendChild(el("text", { x: 4, y: top - 6, "class": "section-label" }, "lock holds by key"));
    let y = top;
    const tops = holdLanes.map(function (lane, n) {
      const h = lane.rows * HOLD_ROW_H + 8, laneTop = y;
      svg.appendChild(el("rect", { x: 0, y: y, width: width, height: h, fill: n % 2 ? "#f6f8fa" : "#eef2f9" }));
      svg.appendChild(el("text", { x: 8, y: y + 15, "class": "lane-label" }, lane.key));
      y += h;
      return laneTop;
    });
    if (D.holds.more_keys) svg.appendChild(el("text", { x: 8, y: y + 13, "class": "tick" }, "+ " + D.holds.more_keys + " more keys not drawn"));
    return tops;
  }
  function drawHolds(plot, lane, top, px) {
    lane.placed.forEach(function (p) {
      const hold = p.h, t1 = hold.t1 === null ? END : hold.t1;
      if (t1 < view[0] || hold.t0 > view[1]) return;
      const x0 = px(hold.t0), w = Math.max(px(t1) - x0, 2.5), hy = top + 4 + p.row * HOLD_ROW_H;
      const cls = "hold" + (hold.hl === 1 ? " violating" : hold.hl === 2 ? " involved" : "");
      const bar = el("rect", { x: x0, y: hy, width: w, height: HOLD_ROW_H - 3, rx: 2, fill: processes[hold.p] || "#6d8fd0", "class": cls });
      bindTip(bar, "hold of " + lane.key + " by " + hold.p, function () {
        return [["from", fmt(hold.t0) + " (acquire ok)"], ["until", hold.t1 === null ? "never released" : fmt(hold.t1) + " (release invoked)"],
                ["lease", leaseWords(hold.lease)],
                ["fencing token", hold.token], ["mode", hold.shared ? "shared (read)" : "exclusive"]];
      });
      plot.appendChild(bar);
      drawLeaseEnd(plot, hold.lease, hy, px);
      const text = hold.p + (hold.token !== null ? " #" + hold.token : "");
      if (w > text.length * 6 + 6) plot.appendChild(el("text", { x: Math.max(x0, 0) + 4, y: hy + HOLD_ROW_H - 6, "class": "bar-label" }, text));
    });
  }

  // ---- where a hold's lease ended: a hatched span from its earliest to its latest end, and a
  // line at the latest; a grant of the same key left of that line came inside the lease.
  function leaseWords(lease) {
    if (!lease) return null;
    if (lease.renews) return "renewed by a keep-alive" + (lease.every !== null ? " (promised every " + fmt(lease.every) + ")" : "");
    return "ended between " + fmt(lease.end[0]) + " and " + fmt(lease.end[1]);
  }
  function drawLeaseEnd(plot, lease, hy, px) {
    if (!lease || lease.renews || lease.end[1] < view[0] || lease.end[0] > view[1]) return;
    const x0 = px(lease.end[0]), x1 = px(lease.end[1]);
    plot.appendChild(el("rect", { x: x0, y: hy - 2, width: Math.max(x1 - x0, 1), height: HOLD_ROW_H + 1, "class": "lease-span" }));
    plot.appendChild(el("line", { x1: x1, x2: x1, y1: hy - 3, y2: hy + HOLD_ROW_H, "class": "lease-end" }));
  }

  // ---- overview: invocations per bucket over the whole run; the box is the current view
  function renderOverview() {
    const box = document.getElementById("overview");
    const width = Math.max(box.clientWidth, 480), h = 46, plotW = width - GUTTER - RIGHT;
    const svg = el("svg", { width: width, height: h });
    svg.appendChild(el("text", { x: 4, y: 18, "class": "section-label" }, "whole run"));
    svg.appendChild(el("text", { x: 4, y: 32, "class": "tick" }, D.totals.ops.toLocaleString() + " ops"));
    const n = D.overview.length, bw = plotW / n;
    let max = 1;
    D.overview.forEach(function (b) { let s = 0; for (const k in b) s += b[k]; max = Math.max(max, s); });
    D.overview.forEach(function (b, i) {
      let y = h - 4;
      ["ok", "fail", "info", "pending"].forEach(function (status) {
        const c = b[status] || 0;
        if (!c) return;
        const bh = c / max * (h - 10);
        y -= bh;
        svg.appendChild(el("rect", { x: GUTTER + i * bw, y: y, width: Math.max(bw - 0.5, 0.5), height: bh, fill: STATUS_COLOR[status] }));
      });
    });
    const span = END || 1;
    D.faults.forEach(function (f) {
      const t1 = f.t1 === null ? END : f.t1;
      svg.appendChild(el("rect", { x: GUTTER + f.t0 / span * plotW, y: 2, width: Math.max((t1 - f.t0) / span * plotW, 1), height: h - 6, "class": "fault-band" }));
    });
    const v0 = Math.max(view[0], 0), v1 = Math.min(view[1], END);
    svg.appendChild(el("rect", { x: GUTTER + v0 / span * plotW, y: 1, width: Math.max((v1 - v0) / span * plotW, 2), height: h - 3, fill: "none", stroke: "#1d2430", "stroke-width": 1.5 }));
    svg.addEventListener("click", function (evt) {
      const r = svg.getBoundingClientRect(), t = (evt.clientX - r.left - GUTTER) / plotW * span, half = (view[1] - view[0]) / 2;
      setView(t - half, t + half);
    });
    box.replaceChildren(svg);
  }

  // ---- latency over time (static: the whole run, faults shaded, violating ops ringed)
  function renderLatency() {
    const box = document.getElementById("latency");
    if (!D.latency.length) { box.textContent = "No timestamps in this history: latency cannot be plotted."; return; }
    const width = Math.max(box.clientWidth, 480), h = 200, left = 56, bottom = 24, plotW = width - left - RIGHT, plotH = h - bottom - 8;
    let maxL = 0;
    D.latency.forEach(function (p) { maxL = Math.max(maxL, p[1]); });
    maxL = maxL || 1;
    const span = END || 1;
    const x = function (t) { return left + t / span * plotW; };
    const y = function (l) { return 8 + plotH - l / maxL * plotH; };
    const svg = el("svg", { width: width, height: h });
    D.faults.forEach(function (f) {
      const t1 = f.t1 === null ? END : f.t1;
      svg.appendChild(el("rect", { x: x(f.t0), y: 8, width: Math.max(x(t1) - x(f.t0), 1), height: plotH, "class": "fault-band" }));
    });
    const ls = niceStep(maxL, 4);
    for (let l = 0; l <= maxL; l += ls) {
      svg.appendChild(el("line", { x1: left, x2: width - RIGHT, y1: y(l), y2: y(l), stroke: "#eef0f3" }));
      svg.appendChild(el("text", { x: left - 6, y: y(l) + 3, "class": "tick", "text-anchor": "end" }, (+l.toFixed(3)) + " ms"));
    }
    const ts = niceStep(span, Math.max(Math.floor(plotW / 110), 2));
    for (let t = 0; t <= span; t += ts) svg.appendChild(el("text", { x: x(t), y: h - 6, "class": "tick", "text-anchor": "middle" }, fmt(t)));
    D.latency.forEach(function (p) {
      svg.appendChild(el("circle", { cx: x(p[0]), cy: y(p[1]), r: 2.2, fill: STATUS_COLOR[p[2]] || "#888", "fill-opacity": 0.75 }));
    });
    const hl = {};
    D.ops.forEach(function (op) { if (op.hl === 1 && op.t1 !== null) hl[op.t0] = op; });
    Object.keys(hl).forEach(function (k) {
      const op = hl[k];
      const c = el("circle", { cx: x(op.t0), cy: y((op.t1 - op.t0) * 1000), r: 5, fill: "none", stroke: "#c8102e", "stroke-width": 2 });
      bindTip(c, op.p + " " + op.f + " (violation)", function () { return opDetails(op); });
      svg.appendChild(c);
    });
    box.replaceChildren(svg);
  }

  // ---- interaction
  timelineBox.addEventListener("wheel", function (evt) {
    evt.preventDefault();
    const r = timelineBox.getBoundingClientRect(), plotW = r.width - GUTTER - RIGHT;
    const at = view[0] + (evt.clientX - r.left - GUTTER) / plotW * (view[1] - view[0]);
    zoom(Math.exp(evt.deltaY * 0.0015), at);
  }, { passive: false });
  let drag = null;
  timelineBox.addEventListener("mousedown", function (evt) {
    drag = { x: evt.clientX, view: view.slice() };
    timelineBox.classList.add("dragging");
  });
  window.addEventListener("mousemove", function (evt) {
    if (!drag) return;
    const plotW = timelineBox.clientWidth - GUTTER - RIGHT;
    const dt = (evt.clientX - drag.x) / plotW * (drag.view[1] - drag.view[0]);
    setView(drag.view[0] - dt, drag.view[1] - dt);
  });
  window.addEventListener("mouseup", function () { drag = null; timelineBox.classList.remove("dragging"); });
  document.getElementById("zoom-in").addEventListener("click", function () { zoom(0.5); });
  document.getElementById("zoom-out").addEventListener("click", function () { zoom(2); });
  document.getElementById("zoom-reset").addEventListener("click", function () { setView(home[0], home[1]); });
  document.getElementById("zoom-all").addEventListener("click", function () { const v = padded(0, END, 0.02); setView(v[0], v[1]); });
  const jump = document.getElementById("jump");
  if (jump) jump.addEventListener("click", function () {
    const bad = D.ops.filter(function (op) { return op.hl === 1; });
    if (!bad.length) return;
    const t0 = Math.min.apply(null, bad.map(function (op) { return op.t0; }));
    const t1 = Math.max.apply(null, bad.map(function (op) { return op.t1 === null ? END : op.t1; }));
    const v = padded(t0, t1, 0.15);
    setView(v[0], v[1]);
    timelineBox.scrollIntoView({ behavior: "smooth", block: "center" });
  });
  window.addEventListener("resize", function () { setView(view[0], view[1]); renderLatency(); });

  render();
  renderLatency();
  // "rendered" once the browser has laid out and painted the first frame (benchmarks wait for it)
  requestAnimationFrame(function () {
    setTimeout(function () {
      document.body.setAttribute("data-rendered", "true");
      window.taalaRenderedAt = performance.now();
    }, 0);
  });
})();
