// Gemba console: channel view with threads, trace drawer, plant,
// incident and digest pages. Plain JavaScript, no build step.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const esc = (s) => window.BlockKit.esc(s == null ? "" : s);
  const state = {
    info: null,
    channel: "shop-floor",
    version: 0,
    messages: new Map(), // id -> message
    nodes: new Map(), // id -> {key, el}
    drawer: null, // {kind: "thread"|"trace", id}
    resolveFor: null,
    pollSeq: 0,
  };

  // ---- API ---------------------------------------------------------------
  async function api(path, opts) {
    const o = Object.assign({ headers: {} }, opts || {});
    if (o.json !== undefined) {
      o.method = o.method || "POST";
      o.headers["Content-Type"] = "application/json";
      o.body = JSON.stringify(o.json);
      delete o.json;
    }
    const res = await fetch(path, o);
    if (res.status === 401) { location.href = "/login"; throw new Error("login required"); }
    const ct = res.headers.get("Content-Type") || "";
    const body = ct.includes("json") ? await res.json() : await res.text();
    if (!res.ok) throw new Error((body && body.error) || res.statusText);
    return body;
  }

  let toastTimer = null;
  function toast(msg, bad) {
    const t = $("toast");
    t.textContent = msg;
    t.className = "toast" + (bad ? " bad" : "");
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { t.hidden = true; }, 4500);
  }

  function fmtTime(s) {
    const d = new Date(s);
    if (isNaN(d)) return "";
    return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }
  // fmtIn writes an instant in a time zone (a schedule's, the plant's).
  function fmtIn(s, tz) {
    const d = new Date(s);
    if (isNaN(d)) return "";
    try {
      return d.toLocaleString([], { timeZone: tz, month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
    } catch (e) {
      return fmtDate(s);
    }
  }
  function fmtDate(s) {
    const d = new Date(s);
    if (isNaN(d) || d.getFullYear() < 2000) return "";
    return d.toLocaleString([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
  }

  // ---- messages ----------------------------------------------------------
  function avatar(m) {
    const a = document.createElement("div");
    a.className = "avatar " + (m.author === "bot" ? "bot" : "user");
    a.textContent = m.author === "bot" ? "G" : m.user === "console" ? "Y" : (m.user || "?").slice(0, 1).toUpperCase();
    a.setAttribute("aria-hidden", "true");
    return a;
  }

  function messageEl(m, inDrawer) {
    const wrap = document.createElement("div");
    wrap.className = "msg " + m.author + (m.pending ? " pending" : "") + (m.error ? " failed" : "") + (m.ephemeral ? " ephemeral" : "");
    wrap.dataset.id = m.id;
    if (m.answer_id) wrap.dataset.answerId = m.answer_id;
    wrap.appendChild(avatar(m));
    const body = document.createElement("div");
    body.className = "msg-body";
    const head = document.createElement("div");
    head.className = "msg-head";
    head.innerHTML = m.author === "bot"
      ? '<span class="msg-name">Gemba</span><span class="app-badge">APP</span><span class="msg-time">' + esc(fmtTime(m.ts)) + "</span>"
      : '<span class="msg-name">' + esc(m.user === "console" ? "You" : m.user) + '</span><span class="msg-time">' + esc(fmtTime(m.ts)) + "</span>";
    if (m.ephemeral) head.innerHTML += '<span class="eph">Only visible to you</span>';
    body.appendChild(head);
    const content = document.createElement("div");
    content.className = "msg-content";
    if (m.pending) {
      content.innerHTML = '<span class="working">Gemba is working on it<span class="dots"><i></i><i></i><i></i></span></span>';
    } else if (m.author === "bot") {
      let blocks = [];
      try { blocks = typeof m.blocks === "string" ? JSON.parse(m.blocks) : (m.blocks || []); } catch (e) { blocks = []; }
      if (blocks.length) content.appendChild(window.BlockKit.render(blocks, { onAction: (b, btn) => onAction(m, b, btn) }));
      else content.innerHTML = window.BlockKit.mrkdwn(m.text || "");
      if (m.detail) {
        // The detail is already in the thread: the button has done its job.
        for (const b of content.querySelectorAll("button[data-action-id]")) {
          if (/detail|more/i.test(b.dataset.actionId)) b.remove();
        }
      }
    } else {
      content.innerHTML = '<div class="user-text">' + esc(m.text).replace(/\n/g, "<br>") + "</div>";
    }
    body.appendChild(content);
    const foot = document.createElement("div");
    foot.className = "msg-foot";
    if (m.rating) {
      foot.appendChild(chip(m.rating === "helpful" ? "✓ You marked this helpful" : "✓ You marked this not helpful", "rated"));
    }
    if (m.resolved) foot.appendChild(chip("✓ Resolved as incident " + m.resolved, "resolved"));
    if (m.has_trace) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "link-btn trace-btn";
      b.textContent = "What the bot did";
      b.addEventListener("click", () => openTrace(m.id));
      foot.appendChild(b);
    }
    if (foot.childNodes.length) body.appendChild(foot);
    wrap.appendChild(body);
    return wrap;
  }

  function chip(text, cls) {
    const s = document.createElement("span");
    s.className = "chip " + (cls || "");
    s.textContent = text;
    return s;
  }

  function upsert(list) {
    for (const m of list) state.messages.set(m.id, m);
  }

  function keyOf(m) { return m.id + ":" + (m.edited || 0); }

  // renderChannel draws roots with their threads inline; only changed
  // messages are rebuilt, so images do not reload on every update.
  function renderChannel() {
    const box = $("messages");
    const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 120;
    const all = [...state.messages.values()].filter((m) => m.channel === state.channel);
    const roots = all.filter((m) => !m.thread);
    const byThread = new Map();
    for (const m of all) if (m.thread) {
      if (!byThread.has(m.thread)) byThread.set(m.thread, []);
      byThread.get(m.thread).push(m);
    }
    if (!roots.length) {
      box.innerHTML = "";
      box.appendChild(emptyState());
      state.nodes.clear();
      return;
    }
    const empty = box.querySelector(".empty");
    if (empty) empty.remove();
    const seen = new Set();
    let prev = null;
    for (const r of roots) {
      const id = "t-" + r.id;
      seen.add(id);
      let group = state.nodes.get(id);
      if (!group) {
        const g = document.createElement("div");
        g.className = "thread-group";
        g.dataset.thread = r.id;
        group = { el: g, key: "" };
        state.nodes.set(id, group);
      }
      const replies = byThread.get(r.id) || [];
      const key = [r, ...replies].map(keyOf).join("|");
      if (group.key !== key) {
        group.key = key;
        const g = group.el;
        g.innerHTML = "";
        g.appendChild(messageEl(r));
        if (replies.length) {
          const t = document.createElement("div");
          t.className = "thread";
          for (const x of replies) t.appendChild(messageEl(x));
          g.appendChild(t);
        }
        const reply = document.createElement("button");
        reply.type = "button";
        reply.className = "link-btn reply-btn";
        reply.textContent = replies.length > 1 ? "Reply in thread (" + replies.length + " replies)" : "Reply in thread";
        reply.addEventListener("click", () => openThread(r.id));
        g.appendChild(reply);
      }
      const want = prev ? prev.nextSibling : box.firstChild;
      if (group.el !== want) box.insertBefore(group.el, want);
      prev = group.el;
    }
    for (const [id, g] of state.nodes) if (!seen.has(id)) { g.el.remove(); state.nodes.delete(id); }
    if (nearBottom) box.scrollTop = box.scrollHeight;
    if (state.drawer && state.drawer.kind === "thread") renderThread();
  }

  function emptyState() {
    const d = document.createElement("div");
    d.className = "empty";
    d.innerHTML = '<div class="empty-logo">G</div><h2>Welcome to #' + esc(state.channel) + "</h2>" +
      "<p>Ask Gemba what is happening on the floor. It checks the plant's series with its anomaly and forecast models, looks up past incidents and runbooks, and answers with a few next steps and the evidence behind them.</p>" +
      '<div class="suggestions"></div>';
    const s = d.querySelector(".suggestions");
    for (const q of [
      "Why is press-3 vibrating more than usual?",
      "지난 24시간 동안 line-2 에 이상이 있었나요?",
      "/gemba forecast line-1.output 24",
      "/gemba anomalies press-3",
      "/gemba help",
    ]) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "suggestion";
      b.textContent = q;
      b.addEventListener("click", () => { $("composer-input").value = q; $("composer-input").focus(); autosize($("composer-input")); });
      s.appendChild(b);
    }
    return d;
  }

  async function send(text, thread) {
    const body = { text: text };
    if (thread) body.thread = thread;
    const res = await api("/api/channels/" + encodeURIComponent(state.channel) + "/messages", { json: body });
    upsert([res.message, res.reply]);
    renderChannel();
    const box = $("messages");
    box.scrollTop = box.scrollHeight;
  }

  // poll is a long poll: the server answers when something changed.
  async function poll() {
    const seq = ++state.pollSeq;
    for (;;) {
      if (seq !== state.pollSeq) return;
      try {
        const res = await api("/api/channels/" + encodeURIComponent(state.channel) + "/messages?after=" + state.version);
        if (seq !== state.pollSeq) return;
        state.version = res.version;
        const ids = new Set(res.messages.map((m) => m.id));
        for (const [id, m] of state.messages) if (m.channel === state.channel && !ids.has(id)) state.messages.delete(id);
        upsert(res.messages);
        renderChannel();
      } catch (e) {
        await new Promise((r) => setTimeout(r, 3000));
      }
    }
  }

  // ---- buttons -----------------------------------------------------------
  async function onAction(m, b, btn) {
    btn.disabled = true;
    try {
      const res = await api("/api/messages/" + encodeURIComponent(m.id) + "/actions", { json: { action_id: b.action_id || "", value: b.value || "" } });
      if (res.open === "resolve") { openResolve(m); return; }
      if (res.message) { upsert([res.message]); renderChannel(); }
      if (res.notice) toast(res.notice);
    } catch (e) {
      toast(e.message, true);
    } finally {
      btn.disabled = false;
    }
  }

  function openResolve(m) {
    state.resolveFor = m.id;
    $("rf-error").hidden = true;
    $("resolve-form").reset();
    $("modal").hidden = false;
    $("rf-actions").focus();
  }
  function closeResolve() { $("modal").hidden = true; state.resolveFor = null; }

  async function submitResolve(ev) {
    ev.preventDefault();
    const dt = $("rf-downtime").value.trim();
    const body = { actions: $("rf-actions").value, root_cause: $("rf-cause").value, outcome: $("rf-outcome").value };
    if (dt !== "") body.downtime_minutes = Number(dt);
    try {
      const res = await api("/api/messages/" + encodeURIComponent(state.resolveFor) + "/resolve", { json: body });
      upsert([res.message, res.note]);
      renderChannel();
      closeResolve();
      toast("Stored as incident " + res.doc_id);
    } catch (e) {
      $("rf-error").textContent = e.message;
      $("rf-error").hidden = false;
    }
  }

  // ---- drawer: thread and trace -----------------------------------------
  function openDrawer(kind, id, title) {
    state.drawer = { kind, id };
    $("drawer").hidden = false;
    $("app").classList.add("with-drawer");
    $("drawer-title").textContent = title;
    $("thread-composer").hidden = kind !== "thread";
    $("drawer-body").innerHTML = "";
  }
  function closeDrawer() {
    state.drawer = null;
    $("drawer").hidden = true;
    $("app").classList.remove("with-drawer");
  }

  function openThread(root) {
    openDrawer("thread", root, "Thread");
    renderThread();
    $("thread-input").focus();
  }
  function renderThread() {
    const root = state.drawer.id;
    const body = $("drawer-body");
    body.innerHTML = "";
    const msgs = [...state.messages.values()].filter((m) => m.id === root || m.thread === root);
    for (const m of msgs) body.appendChild(messageEl(m, true));
    body.scrollTop = body.scrollHeight;
  }

  async function openTrace(id) {
    openDrawer("trace", id, "What the bot did");
    const body = $("drawer-body");
    body.innerHTML = '<p class="muted pad">Reading the audit trail…</p>';
    try {
      const t = await api("/api/messages/" + encodeURIComponent(id) + "/trace");
      body.innerHTML = "";
      body.appendChild(traceEl(t));
    } catch (e) {
      body.innerHTML = '<p class="form-error pad">' + esc(e.message) + "</p>";
    }
  }

  function traceEl(t) {
    const d = document.createElement("div");
    d.className = "trace";
    const mode = t.mode === "offline" ? "Offline planner (no LLM)" : "LLM · " + (t.model || "model");
    d.innerHTML =
      (t.question ? '<div class="trace-q"><div class="label">Question</div>' + esc(t.question) + "</div>" : "") +
      '<div class="stats">' +
      stat("Mode", mode) + stat("Latency", (t.latency_ms / 1000).toFixed(2) + " s") +
      stat("Tokens", t.mode === "offline" ? "none" : (t.prompt_tokens + " in · " + t.completion_tokens + " out")) +
      stat("Answer", t.answer_id ? "#" + t.answer_id + (t.source === "audit" ? " · audit trail" : "") : "not stored") +
      "</div>" +
      '<h3>Tool calls <span class="count">' + t.tools.length + "</span></h3>";
    const tl = document.createElement("ol");
    tl.className = "tool-calls";
    if (!t.tools.length) tl.innerHTML = '<li class="muted">No tool was called.</li>';
    for (const c of t.tools) {
      const li = document.createElement("li");
      li.className = "tool-call" + (c.error ? " err" : "");
      li.innerHTML = '<div class="tool-head"><code class="tool-name">' + esc(c.tool) + '</code><span class="dur">' + esc(c.duration_ms) + " ms</span>" +
        (c.result_bytes ? '<span class="size">' + esc(c.result_bytes) + " B</span>" : "") + "</div>" +
        '<pre class="args">' + esc(JSON.stringify(c.args || {}, null, 1)) + "</pre>" +
        (c.summary ? '<div class="summary">' + esc(c.summary) + "</div>" : "") +
        (c.error ? '<div class="error">' + esc(c.error) + "</div>" : "");
      tl.appendChild(li);
    }
    d.appendChild(tl);
    if (t.model_calls && t.model_calls.length) {
      const mh = document.createElement("h3");
      mh.innerHTML = 'Model calls <span class="count">' + t.model_calls.length + "</span>";
      d.appendChild(mh);
      const ml = document.createElement("ol");
      ml.className = "tool-calls model-calls";
      for (const c of t.model_calls) {
        const li = document.createElement("li");
        li.className = "tool-call" + (c.error ? " err" : "");
        li.innerHTML = '<div class="tool-head"><code class="tool-name">' + esc(c.model || "model") + "</code>" +
          '<span class="muted">step ' + esc(c.step) + (c.attempt > 1 ? " · try " + esc(c.attempt) : "") + "</span>" +
          '<span class="dur">' + esc(c.latency_ms) + " ms</span></div>" +
          '<div class="summary">' + esc(c.prompt_tokens) + " tokens in · " + esc(c.completion_tokens) + " out" +
          (c.tool_calls ? " · asked for " + esc(c.tool_calls) + " tool call(s)" : "") + "</div>" +
          (c.error ? '<div class="error">' + esc(c.error) + "</div>" : "");
        ml.appendChild(li);
      }
      d.appendChild(ml);
    }
    const h = document.createElement("h3");
    h.innerHTML = 'Documents retrieved <span class="count">' + t.documents.length + "</span>";
    d.appendChild(h);
    const dl = document.createElement("ul");
    dl.className = "trace-docs";
    if (!t.documents.length) dl.innerHTML = '<li class="muted">No document was cited.</li>';
    const max = Math.max(0.0001, ...t.documents.map((x) => x.score || 0));
    for (const doc of t.documents) {
      const li = document.createElement("li");
      li.innerHTML = '<a href="#/incidents/' + encodeURIComponent(doc.id) + '"><code>' + esc(doc.id) + "</code> " + esc(doc.title) + "</a>" +
        (doc.kind ? '<span class="kind">' + esc(doc.kind) + "</span>" : "") +
        '<span class="score"><span class="bar"><span></span></span>' + (doc.score ? Number(doc.score).toFixed(3) : "—") + "</span>";
      li.querySelector(".bar span").style.width = Math.round(100 * (doc.score || 0) / max) + "%";
      dl.appendChild(li);
    }
    d.appendChild(dl);
    if (t.warnings && t.warnings.length) {
      const w = document.createElement("div");
      w.className = "warnings";
      w.innerHTML = "<h3>Grounding checks</h3><ul>" + t.warnings.map((x) => "<li>" + esc(x) + "</li>").join("") + "</ul>";
      d.appendChild(w);
    }
    return d;
  }
  // openConnect explains how to connect Slack and an LLM (settings only;
  // the console never shows their values).
  function openConnect() {
    openDrawer("connect", "", "Connect Slack or an LLM");
    const ab = (state.info && state.info.about) || {};
    $("drawer-body").innerHTML = '<div class="trace connect">' +
      "<h3>LLM</h3><p>" + (ab.llm ? "Connected: <code>" + esc(ab.llm) + "</code>." : "Not configured: answers come from the offline planner, which runs the same tools and cites the same documents.") + "</p>" +
      "<p>Set these environment variables and restart <code>gemba serve</code>:</p>" +
      "<pre class=\"args\">GEMBA_LLM_PROVIDER=openai      # or azure, anthropic\nGEMBA_LLM_MODEL=gpt-4o-mini\nGEMBA_LLM_API_KEY=…\n# OpenAI-compatible servers (vLLM, llama.cpp, Ollama):\nGEMBA_LLM_BASE_URL=http://localhost:11434/v1</pre>" +
      "<h3>Slack</h3><p>" + (ab.slack ? "Connected." : "Not connected: the console is the only way in for now.") + "</p>" +
      "<p>Create the Slack app from the manifest in <code>deploy/</code>, then set:</p>" +
      "<pre class=\"args\">GEMBA_SLACK_BOT_TOKEN=xoxb-…\nGEMBA_SLACK_APP_TOKEN=xapp-…   # Socket Mode, no public URL\n# or, for the HTTP transport:\nGEMBA_SLACK_SIGNING_SECRET=…</pre>" +
      "<h3>This console</h3><p>It listens where <code>GEMBA_HTTP_ADDR</code> says (default <code>127.0.0.1:8080</code>). On any other address it stays disabled until <code>GEMBA_CONSOLE_TOKEN</code> is set, and then asks for that token.</p></div>";
  }

  function stat(k, v) { return '<div class="stat"><div class="label">' + esc(k) + '</div><div class="value">' + esc(v) + "</div></div>"; }

  // ---- plant -------------------------------------------------------------
  let assets = [];
  let plantModel = null;
  async function loadModel() {
    if (!state.info || !state.info.features.model) return null;
    try { plantModel = await api("/api/plant/model"); } catch (e) { plantModel = { error: e.message }; }
    return plantModel;
  }
  function modelAsset(name) {
    return plantModel && plantModel.assets ? plantModel.assets.find((x) => x.name === name) : null;
  }
  function limitText(l) { return l.level + " " + l.side + " " + l.value + (l.doc ? " (" + l.doc + ")" : ""); }
  function renderModelSummary() {
    const box = $("plant-model");
    if (!plantModel) { box.innerHTML = ""; return; }
    if (plantModel.error) { box.innerHTML = '<p class="form-error pad">' + esc(plantModel.error) + "</p>"; return; }
    const m = plantModel;
    const shifts = m.shifts.map((x) => x.name + " " + x.start + (x.days && x.days.length ? " (" + x.days.join(",") + ")" : "")).join(" · ");
    let html = '<div class="model-head"><span class="tag">' + (m.from_file ? "plant model" : "inferred") + "</span> In force: " + esc(m.origin) +
      '</div><div class="model-stats">' + stat("Time zone", m.time_zone) + stat("Shifts", shifts || "one day-long shift") +
      stat("Lines", String(m.lines.length)) + stat("Assets", String(m.assets.length)) + "</div>";
    if (m.lines.length) {
      html += '<table class="table model-lines"><thead><tr><th>Line</th><th>Also called</th><th>Output · plan</th><th>Assets</th></tr></thead><tbody>';
      for (const l of m.lines) {
        const out = [l.output, l.plan].filter(Boolean).join(" · ");
        html += "<tr><td>" + esc(l.name) + "</td><td>" + esc((l.aliases || []).join(", ")) + "</td><td>" + (out ? "<code>" + esc(out) + "</code>" : "") +
          "</td><td>" + esc(l.assets.join(", ")) + "</td></tr>";
      }
      html += "</tbody></table>";
    }
    if (m.problems && m.problems.length) html += '<p class="form-error">' + m.problems.map(esc).join("<br>") + "</p>";
    if (!m.from_file) html += '<p class="muted">No plant.yaml is applied: lines and assets come from the series names (<code>asset.sensor</code>, <code>line-N.output</code>). Apply one with <code>gemba plant apply plant.yaml</code>.</p>';
    box.innerHTML = html;
  }
  function modelAssetHTML(ma) {
    if (!ma) return "";
    let html = '<h3>From the plant model</h3><dl class="doc-fields"><dt>Type</dt><dd>' + esc(ma.type) + "</dd>" +
      (ma.aliases && ma.aliases.length ? "<dt>Also called</dt><dd>" + esc(ma.aliases.join(", ")) + "</dd>" : "") +
      (ma.runbooks && ma.runbooks.length ? "<dt>Runbooks</dt><dd>" + ma.runbooks.map((d) => /^https?:/.test(d) ? '<a href="' + esc(d) + '" rel="noopener noreferrer" target="_blank">' + esc(d) + "</a>" : '<a href="#/incidents/' + encodeURIComponent(d) + '">' + esc(d) + "</a>").join(", ") + "</dd>" : "") +
      "</dl>";
    if (ma.sensors.length) {
      html += '<table class="table sensors"><thead><tr><th>Sensor</th><th>Series</th><th>Unit</th><th>Expected range</th><th>Step</th><th>Limits</th></tr></thead><tbody>';
      for (const x of ma.sensors) {
        html += "<tr><td>" + esc(x.name) + "</td><td><code>" + esc(x.series) + "</code></td><td>" + esc(x.unit || "") + "</td><td>" +
          esc(x.range ? x.range[0] + " – " + x.range[1] : "") + "</td><td>" + esc(x.step || "") + "</td><td>" + esc((x.limits || []).map(limitText).join("; ")) + "</td></tr>";
      }
      html += "</tbody></table>";
    }
    return html;
  }
  async function showPlant(name) {
    const list = $("asset-list");
    if (!assets.length) {
      list.innerHTML = '<p class="muted pad">Loading…</p>';
      try { assets = (await api("/api/plant/series")).assets; } catch (e) { list.innerHTML = '<p class="form-error pad">' + esc(e.message) + "</p>"; return; }
      await loadModel();
      // Assets the plant model declares before they have series.
      for (const ma of (plantModel && plantModel.assets) || []) {
        if (!assets.find((x) => x.name === ma.name)) assets.push({ name: ma.name, line: ma.line, series: [] });
      }
      renderModelSummary();
    }
    list.innerHTML = "";
    if (!assets.length) list.innerHTML = '<p class="muted pad">No series yet. Load the demo plant with <code>gemba demo seed</code>.</p>';
    for (const a of assets) {
      const b = document.createElement("a");
      b.className = "asset-item" + (a.name === name ? " active" : "");
      b.href = "#/plant/" + encodeURIComponent(a.name);
      b.innerHTML = '<span class="asset-name">' + esc(a.name) + '</span><span class="muted">' + esc([a.line, a.series.length + " series"].filter(Boolean).join(" · ")) + "</span>";
      list.appendChild(b);
    }
    if (!name && assets.length) { location.hash = "#/plant/" + encodeURIComponent(assets[0].name); return; }
    const a = assets.find((x) => x.name === name);
    if (a) showAsset(a);
  }

  async function showAsset(a) {
    const hours = $("plant-hours").value;
    const box = $("asset-detail");
    const ma = modelAsset(a.name);
    box.innerHTML = '<div class="asset-head"><h2>' + esc(a.name) + '</h2><span class="muted">' + esc([a.site, a.line, ma && ma.type].filter(Boolean).join(" · ")) + "</span></div>" +
      modelAssetHTML(ma) + '<h3>Recent anomaly events</h3><div class="events muted">Running the detectors…</div><h3>Series</h3><div class="charts"></div>';
    const charts = box.querySelector(".charts");
    for (const s of a.series) {
      const f = document.createElement("figure");
      f.className = "chart-card";
      f.innerHTML = "<figcaption><code>" + esc(s.name) + "</code> " + esc([s.sensor, s.unit, s.interval].filter(Boolean).join(" · ")) + "</figcaption>";
      const img = document.createElement("img");
      img.alt = "Chart of " + s.name;
      img.loading = "lazy";
      img.src = "/api/plant/chart?series=" + encodeURIComponent(s.name) + "&hours=" + hours;
      f.appendChild(img);
      charts.appendChild(f);
    }
    try {
      const r = await api("/api/plant/events?asset=" + encodeURIComponent(a.name) + "&hours=" + hours);
      const ev = box.querySelector(".events");
      if (!r.events.length) { ev.textContent = "No anomaly event in this window."; return; }
      ev.className = "events";
      ev.innerHTML = '<table class="table"><thead><tr><th>Start</th><th>End</th><th>Kind</th><th>Score</th><th>Drivers</th><th></th></tr></thead><tbody></tbody></table>';
      const tb = ev.querySelector("tbody");
      for (const e of r.events.slice(0, 20)) {
        const tr = document.createElement("tr");
        tr.innerHTML = "<td>" + esc(fmtDate(e.start)) + "</td><td>" + esc(fmtDate(e.end)) + "</td><td>" + esc((e.kind || "").replace("_", " ")) +
          '</td><td><span class="score-pill">' + Number(e.score).toFixed(2) + "</span></td><td>" + esc((e.drivers || []).join(", ") || e.series || "") + "</td><td></td>";
        const ask = document.createElement("button");
        ask.type = "button";
        ask.className = "link-btn";
        ask.textContent = "Ask Gemba";
        ask.addEventListener("click", () => {
          location.hash = "#/c/" + encodeURIComponent(state.channel);
          $("composer-input").value = "What happened on " + a.name + " around " + fmtDate(e.peak) + " and what should we do?";
          autosize($("composer-input"));
          $("composer-input").focus();
        });
        tr.lastChild.appendChild(ask);
        tb.appendChild(tr);
      }
    } catch (e) {
      box.querySelector(".events").innerHTML = '<span class="form-error">' + esc(e.message) + "</span>";
    }
  }

  // ---- incidents ---------------------------------------------------------
  async function searchDocs(q) {
    const list = $("doc-list");
    list.innerHTML = '<p class="muted pad">Searching…</p>';
    try {
      const r = await api("/api/docs?q=" + encodeURIComponent(q || "") + "&k=30");
      list.innerHTML = "";
      if (!r.hits.length) { list.innerHTML = '<p class="muted pad">' + (q ? "Nothing found for “" + esc(q) + "”." : "The store is empty.") + "</p>"; return; }
      for (const h of r.hits) {
        const a = document.createElement("a");
        a.className = "doc-item";
        a.href = "#/incidents/" + encodeURIComponent(h.id);
        a.innerHTML = '<div class="doc-title">' + esc(h.title) + '</div><div class="doc-meta"><code>' + esc(h.id) + "</code>" +
          (h.kind ? '<span class="kind">' + esc(h.kind) + "</span>" : "") + (h.asset ? "<span>" + esc(h.asset) + "</span>" : "") +
          (h.outcome ? '<span class="outcome ' + esc(h.outcome) + '">' + esc(h.outcome) + "</span>" : "") +
          (h.score ? '<span class="muted">' + Number(h.score).toFixed(3) + "</span>" : "") + "</div>" +
          (h.snippet ? '<div class="doc-snippet">' + esc(h.snippet) + "</div>" : "");
        list.appendChild(a);
      }
    } catch (e) {
      list.innerHTML = '<p class="form-error pad">' + esc(e.message) + "</p>";
    }
  }

  async function openDoc(id) {
    const v = $("doc-view");
    v.innerHTML = '<p class="muted pad">Opening…</p>';
    try {
      const d = await api("/api/docs/" + encodeURIComponent(id).replace(/%2F/g, "/"));
      const meta = [
        ["Kind", d.kind], ["Asset", d.asset], ["Line", d.line], ["Failure mode", d.failure_mode], ["Severity", d.severity],
        ["Occurred", d.occurred_at ? fmtDate(d.occurred_at) : ""], ["Downtime", d.downtime_minutes != null ? d.downtime_minutes + " min" : ""],
        ["Outcome", d.outcome], ["Source", d.source],
      ].filter((x) => x[1]);
      v.innerHTML = "<h2>" + esc(d.title) + '</h2><div class="doc-meta"><code>' + esc(d.id) + "</code>" +
        (d.tags || []).map((t) => '<span class="tag">' + esc(t) + "</span>").join("") + "</div>" +
        '<dl class="doc-fields">' + meta.map((x) => "<dt>" + esc(x[0]) + "</dt><dd>" + esc(x[1]) + "</dd>").join("") + "</dl>" +
        '<div class="doc-body">' + window.BlockKit.mrkdwn(d.body || "", true) + "</div>";
    } catch (e) {
      v.innerHTML = '<p class="form-error pad">' + esc(e.message) + "</p>";
    }
  }

  // ---- channels and digests ---------------------------------------------
  // A change goes through the same checks as `gemba channel` and `gemba
  // digest schedule`; the reply's note says when plant.yaml claims it.
  async function changeSetting(path, body, done) {
    try {
      const r = await api(path, { json: body });
      toast(r.note ? "Saved. " + r.note : "Saved.");
      done();
    } catch (e) {
      toast(e.message, true);
    }
  }
  function settingsForm(id, fields, label, onSubmit) {
    const f = document.createElement("form");
    f.className = "settings-form";
    f.id = id;
    f.autocomplete = "off";
    for (const x of fields) {
      const l = document.createElement("label");
      l.textContent = x.label;
      const i = document.createElement("input");
      i.name = x.name;
      i.placeholder = x.placeholder || "";
      if (x.required) i.required = true;
      l.appendChild(i);
      f.appendChild(l);
    }
    const b = document.createElement("button");
    b.className = "btn primary";
    b.type = "submit";
    b.textContent = label;
    f.appendChild(b);
    f.addEventListener("submit", (e) => {
      e.preventDefault();
      const v = {};
      for (const x of fields) v[x.name] = f.elements[x.name].value.trim();
      onSubmit(v);
    });
    return f;
  }
  async function showBindings() {
    const box = $("binding-list");
    if (!state.info.features.model) { box.innerHTML = ""; return null; }
    box.innerHTML = '<p class="muted">Loading…</p>';
    const m = await loadModel();
    if (!m || m.error) { box.innerHTML = '<p class="form-error">' + esc(m ? m.error : "") + "</p>"; return null; }
    let html = "<h3>Channel bindings</h3>";
    if (!m.bindings.length) html += '<p class="muted">No channel is bound: every channel covers the whole plant.</p>';
    else {
      html += '<table class="table"><thead><tr><th>Channel</th><th>Bound to</th><th>Origin</th><th></th></tr></thead><tbody>';
      for (const b of m.bindings) {
        const ch = b.channel.source + ":" + b.channel.channel;
        const to = [b.target.site && "site=" + b.target.site, b.target.line && "line=" + b.target.line, b.target.asset && "asset=" + b.target.asset].filter(Boolean).join(" ");
        html += "<tr><td><code>" + esc(ch) + "</code></td><td>" + esc(to || "—") + "</td><td>" + esc(b.origin) + "</td><td>" +
          (to ? '<button type="button" class="btn small" data-unbind="' + esc(ch) + '">Unbind</button>' : "") + "</td></tr>";
      }
      html += "</tbody></table>";
    }
    box.innerHTML = html;
    for (const b of box.querySelectorAll("[data-unbind]")) b.addEventListener("click", () => changeSetting("/api/plant/bindings", { channel: b.dataset.unbind, unbind: true }, showDigests));
    box.appendChild(settingsForm("bind-form", [
      { name: "channel", label: "Channel", placeholder: "slack:C0123456789 or console:stamping", required: true },
      { name: "target", label: "Line or asset", placeholder: "line-1 or asset=press-3", required: true },
    ], "Bind", (v) => changeSetting("/api/plant/bindings", v, showDigests)));
    return m;
  }
  async function showDigests() {
    const m = await showBindings();
    const box = $("digest-list");
    box.innerHTML = '<p class="muted">Loading…</p>';
    try {
      const r = await api("/api/digests");
      const origin = {};
      for (const d of (m && m.digests) || []) origin[d.channel.source + ":" + d.channel.channel] = d.origin;
      let html = '<h3>Digest schedules</h3><table class="table"><thead><tr><th>Channel</th><th>Schedule</th><th>Time zone</th><th>Scope</th><th>Next</th><th>Origin</th><th></th></tr></thead><tbody>';
      const chans = new Set(r.schedules.filter((s) => s.source === "console").map((s) => s.channel));
      for (const s of r.schedules) {
        const key = s.source + ":" + s.channel;
        html += "<tr><td><code>" + esc(key) + "</code></td><td><code>" + esc(s.cron) + "</code>" + (s.enabled ? "" : ' <span class="muted">(off)</span>') +
          "</td><td>" + esc(s.time_zone) + "</td><td>" + esc(s.scope || "whole plant") + "</td><td>" + esc(s.next ? fmtIn(s.next, s.time_zone) : "") + "</td><td>" + esc(origin[key] || "") + "</td><td>" +
          (s.source === "console" ? '<button type="button" class="btn small" data-preview="' + esc(s.channel) + '">Preview now</button> ' : "") +
          (s.enabled && m ? '<button type="button" class="btn small" data-disable="' + esc(key) + '">Turn off</button>' : "") + "</td></tr>";
      }
      for (const c of r.channels) if (!chans.has(c)) {
        html += "<tr><td><code>console:" + esc(c) + '</code></td><td class="muted" colspan="5">No schedule</td>' +
          '<td><button type="button" class="btn small" data-preview="' + esc(c) + '">Preview now</button></td></tr>';
      }
      box.innerHTML = html + "</tbody></table>";
      for (const b of box.querySelectorAll("[data-preview]")) b.addEventListener("click", () => previewDigest(b.dataset.preview, b));
      for (const b of box.querySelectorAll("[data-disable]")) b.addEventListener("click", () => changeSetting("/api/plant/digests", { channel: b.dataset.disable, disable: true }, showDigests));
      if (m) {
        box.appendChild(settingsForm("schedule-form", [
          { name: "channel", label: "Channel", placeholder: "slack:C0123456789 or console:shop-floor", required: true },
          { name: "cron", label: "Cron (minute hour day month weekday)", placeholder: "0 6,14,22 * * *", required: true },
          { name: "tz", label: "Time zone", placeholder: m.time_zone + " (the plant's)" },
        ], "Schedule", (v) => changeSetting("/api/plant/digests", v, showDigests)));
      }
    } catch (e) {
      box.innerHTML = '<p class="form-error">' + esc(e.message) + "</p>";
    }
  }
  async function previewDigest(channel, btn) {
    const box = $("digest-preview");
    btn.disabled = true;
    box.innerHTML = '<p class="muted">Rendering the digest for #' + esc(channel) + "…</p>";
    try {
      const r = await api("/api/digests/preview", { json: { channel: channel } });
      box.innerHTML = '<h3>Preview for #' + esc(channel) + ' <span class="muted">(not posted)</span></h3>';
      const card = document.createElement("div");
      card.className = "preview-card msg bot";
      const body = document.createElement("div");
      body.className = "msg-content";
      body.appendChild(window.BlockKit.render(r.blocks || [], {}));
      card.appendChild(avatar({ author: "bot" }));
      card.appendChild(body);
      box.appendChild(card);
    } catch (e) {
      box.innerHTML = '<p class="form-error">' + esc(e.message) + "</p>";
    } finally {
      btn.disabled = false;
    }
  }

  // ---- alerts and live data ----------------------------------------------
  async function showLive() {
    const alerts = $("alert-list"), conns = $("connector-list");
    alerts.innerHTML = '<p class="muted">Loading…</p>';
    conns.innerHTML = "";
    try {
      const r = await api("/api/live");
      let html = "<h3>Alerts</h3>";
      if (!r.alerts.length) {
        html += '<p class="muted">No alert in the last week.</p>';
      } else {
        html += '<table class="table"><thead><tr><th>Raised</th><th>Asset</th><th>Event</th><th>Status</th></tr></thead><tbody>';
        for (const a of r.alerts) {
          const status = a.status === "acknowledged" ? "acknowledged by " + esc(a.acked_by || "") : (a.escalated_at ? "open, escalated" : "open");
          html += "<tr><td>" + esc(fmtDate(a.created_at)) + "</td><td>" + esc(a.asset) + "</td><td>" + esc(a.summary) + "</td><td>" + status + "</td></tr>";
        }
        html += "</tbody></table>";
      }
      alerts.innerHTML = html;
      html = "<h3>Connectors</h3>";
      if (!r.connectors.length) {
        html += '<p class="muted">No live data connector runs in this Gemba (see README "Live data").</p>';
      } else {
        html += '<table class="table"><thead><tr><th>Connector</th><th>Type</th><th>Connected</th><th>Last message</th><th>Points</th><th>Errors</th></tr></thead><tbody>';
        for (const c of r.connectors) {
          html += "<tr><td>" + esc(c.name) + "</td><td>" + esc(c.type) + "</td><td>" + (c.connected ? "yes" : "no") + "</td><td>" +
            esc(c.last_message ? fmtDate(c.last_message) : "never") + "</td><td>" + esc(String(c.points || 0)) + "</td><td>" + esc(String(c.errors || 0)) + "</td></tr>";
        }
        html += "</tbody></table>";
      }
      conns.innerHTML = html;
    } catch (e) {
      alerts.innerHTML = '<p class="form-error">' + esc(e.message) + "</p>";
    }
  }

  // ---- routing -----------------------------------------------------------
  function show(view) {
    for (const v of ["channel", "plant", "incidents", "digests", "live"]) $("view-" + v).hidden = v !== view;
    for (const a of document.querySelectorAll("[data-nav]")) a.classList.toggle("active", a.dataset.nav === view || a.dataset.nav === "c/" + state.channel && view === "channel");
  }
  function route() {
    if (state.drawer && !/^#?\/?(c\/|$)/.test(location.hash)) closeDrawer();
    const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
    switch (parts[0]) {
      case "plant": show("plant"); showPlant(parts[1] || ""); break;
      case "incidents":
        show("incidents");
        if (!$("doc-list").childNodes.length) searchDocs("");
        if (parts[1]) openDoc(parts.slice(1).join("/"));
        break;
      case "digests": show("digests"); showDigests(); break;
      case "live": show("live"); showLive(); break;
      default: {
        const ch = parts[0] === "c" && parts[1] ? parts[1] : state.channel;
        if (ch !== state.channel) { state.channel = ch; state.version = 0; state.nodes.clear(); $("messages").innerHTML = ""; poll(); }
        $("channel-title").textContent = "# " + state.channel;
        $("composer-input").placeholder = "Message #" + state.channel + " — ask a question, or type /gemba help";
        show("channel");
        renderChannel();
      }
    }
  }

  function autosize(t) {
    t.style.height = "auto";
    t.style.height = Math.min(t.scrollHeight, 200) + "px";
  }
  function wireComposer(form, input, thread) {
    input.addEventListener("input", () => autosize(input));
    // Enter sends, Shift+Enter breaks the line. Some input paths deliver the
    // line break as a separate event after keydown, so swallow that too.
    let swallow = false;
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); swallow = true; form.requestSubmit(); }
    });
    input.addEventListener("keyup", () => { swallow = false; });
    input.addEventListener("beforeinput", (e) => {
      if (swallow && (e.inputType === "insertLineBreak" || e.inputType === "insertParagraph" || e.data === "\r" || e.data === "\n")) e.preventDefault();
    });
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      const btn = form.querySelector("button[type=submit]");
      btn.disabled = true;
      try {
        await send(text, thread());
        input.value = "";
        autosize(input);
      } catch (err) {
        toast(err.message, true);
      } finally {
        btn.disabled = false;
        input.focus();
      }
    });
  }

  async function init() {
    try {
      state.info = await api("/api/info");
    } catch (e) {
      toast(e.message, true);
      return;
    }
    const chans = $("nav-channels");
    state.channel = state.info.channels[0];
    for (const c of state.info.channels) {
      const a = document.createElement("a");
      a.className = "nav-item";
      a.href = "#/c/" + encodeURIComponent(c);
      a.dataset.nav = "c/" + c;
      a.innerHTML = '<span class="nav-icon" aria-hidden="true">#</span>' + esc(c);
      chans.appendChild(a);
    }
    const ab = state.info.about || {};
    $("about").innerHTML =
      '<div class="status"><span class="dot ' + (ab.llm ? "on" : "off") + '"></span>' + (ab.llm ? "LLM: " + esc(ab.llm) : "Offline planner (no LLM)") + "</div>" +
      '<div class="status"><span class="dot ' + (ab.slack ? "on" : "off") + '"></span>' + (ab.slack ? "Slack connected" : "Slack not connected") + "</div>" +
      (ab.version ? '<div class="status muted">' + esc(ab.version) + "</div>" : "") +
      '<button class="link-btn" type="button" id="connect-btn">Connect Slack or an LLM</button>' +
      (state.info.auth ? '<form method="post" action="/logout"><button class="link-btn" type="submit">Log out</button></form>' : "");
    $("connect-btn").addEventListener("click", openConnect);
    wireComposer($("composer"), $("composer-input"), () => "");
    wireComposer($("thread-composer"), $("thread-input"), () => (state.drawer && state.drawer.kind === "thread" ? state.drawer.id : ""));
    $("drawer-close").addEventListener("click", closeDrawer);
    $("rf-cancel").addEventListener("click", closeResolve);
    $("resolve-form").addEventListener("submit", submitResolve);
    $("modal").addEventListener("click", (e) => { if (e.target === $("modal")) closeResolve(); });
    document.addEventListener("keydown", (e) => { if (e.key === "Escape") { if (!$("modal").hidden) closeResolve(); else closeDrawer(); } });
    $("doc-search").addEventListener("submit", (e) => { e.preventDefault(); searchDocs($("doc-q").value.trim()); });
    $("plant-hours").addEventListener("change", () => { const a = assets.find((x) => location.hash.endsWith("/" + encodeURIComponent(x.name))); if (a) showAsset(a); });
    window.addEventListener("hashchange", route);
    route();
    poll();
  }

  document.addEventListener("DOMContentLoaded", init);
})();
