// Block Kit renderer: draws in the browser the same Block Kit JSON that
// Slack receives from Gemba (section with mrkdwn, header, context, divider,
// image, actions with buttons, and basic rich_text / markdown blocks).
// Every piece of text is escaped; links are limited to absolute http(s)
// URLs and the console's own paths (see safeURL).
"use strict";

(function (global) {
  const EMOJI = {
    warning: "⚠️", white_check_mark: "✅", x: "❌", heavy_check_mark: "✔️", chart_with_upwards_trend: "📈",
    chart_with_downwards_trend: "📉", bar_chart: "📊", mag: "🔍", wrench: "🔧", hammer_and_wrench: "🛠️",
    bulb: "💡", rotating_light: "🚨", red_circle: "🔴", large_yellow_circle: "🟡", large_green_circle: "🟢",
    green_circle: "🟢", yellow_circle: "🟡", information_source: "ℹ️", clock3: "🕒", calendar: "📅",
    thumbsup: "👍", "+1": "👍", thumbsdown: "👎", "-1": "👎", robot_face: "🤖", memo: "📝", books: "📚",
    factory: "🏭", gear: "⚙️", fire: "🔥", zap: "⚡", eyes: "👀", hourglass_flowing_sand: "⏳",
    arrow_up: "⬆️", arrow_down: "⬇️", arrow_right: "➡️", small_red_triangle: "🔺", small_red_triangle_down: "🔻",
    point_right: "👉", sparkles: "✨", link: "🔗", pushpin: "📌", no_entry: "⛔", stopwatch: "⏱️",
    page_facing_up: "📄", clipboard: "📋", bell: "🔔", no_bell: "🔕", grey_exclamation: "❕", raised_hands: "🙌",
    speech_balloon: "💬", sweat_smile: "😅", thread: "🧵", heavy_exclamation_mark: "❗", exclamation: "❗", question: "❓",
    large_blue_circle: "🔵", white_circle: "⚪", black_circle: "⚫", arrow_forward: "▶️", repeat: "🔁", tada: "🎉",
  };

  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }
  // Slack text arrives with &, < and > escaped; decode before escaping again.
  function decode(s) {
    return String(s).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }
  // safeURL returns u when it is an absolute http(s) URL, or a path or
  // #/route on this console that no browser reads as another site; else
  // "". Backslashes, whitespace and control characters are refused
  // anywhere: browsers read a backslash as "/" and drop tabs and newlines,
  // so "/<backslash>evil.example" and "/<tab>/evil.example" would leave
  // the site.
  function safeURL(u) {
    const t = String(u).trim();
    if (t === "" || /[\\\s\u0000-\u001f\u007f]/.test(t)) return "";
    let url;
    try { url = new URL(t, location.href); } catch (e) { return ""; }
    if (/^https?:\/\//i.test(t)) return url.protocol === "http:" || url.protocol === "https:" ? t : "";
    if ((t.startsWith("/") && !t.startsWith("//")) || t.startsWith("#/")) return url.origin === location.origin ? t : "";
    return "";
  }
  function emoji(html) {
    return html.replace(/:([a-z0-9_+\-]+):/g, (m, name) => EMOJI[name] || m);
  }
  // Bold, italic and strike on already escaped text.
  function styles(html, markdown) {
    if (markdown) html = html.replace(/\*\*(?=\S)([^*\n]+?)\*\*/g, "<b>$1</b>");
    // A closing mark must not be followed by a letter or digit, so marks
    // inside words (detect_anomalies, 2*3) neither open nor close.
    html = html.replace(/(^|[^\p{L}\p{N}*])\*(?=\S)([^\n]*?\S)\*(?![\p{L}\p{N}*])/gu, "$1<b>$2</b>");
    html = html.replace(/(^|[^\p{L}\p{N}_])_(?=\S)([^\n]*?\S)_(?![\p{L}\p{N}_])/gu, "$1<i>$2</i>");
    html = html.replace(/(^|[^\p{L}\p{N}~])~(?=\S)([^\n]*?\S)~(?![\p{L}\p{N}~])/gu, "$1<s>$2</s>");
    return emoji(html);
  }
  function link(inner) {
    const bar = inner.indexOf("|");
    const target = bar >= 0 ? inner.slice(0, bar) : inner;
    const label = bar >= 0 ? inner.slice(bar + 1) : "";
    if (target.startsWith("@")) return '<span class="bk-mention">@' + esc(decode(label || target.slice(1))) + "</span>";
    if (target.startsWith("#")) return '<span class="bk-mention">#' + esc(decode(label || target.slice(1))) + "</span>";
    if (target.startsWith("!")) return '<span class="bk-mention">@' + esc(decode(label || target.slice(1).split("^")[0])) + "</span>";
    const url = safeURL(decode(target));
    const text = esc(decode(label || target));
    if (!url) return text;
    const ext = /^https?:/i.test(url) ? ' target="_blank" rel="noopener noreferrer"' : "";
    return '<a href="' + esc(url) + '"' + ext + ">" + text + "</a>";
  }
  // One line of text: `code` spans and <links> become placeholders first,
  // so that *bold `code` text* still reads as bold; styles apply to the
  // escaped rest; then the placeholders come back.
  function inline(s, markdown) {
    const held = [];
    const hold = (html) => "\u0001" + (held.push(html) - 1) + "\u0002";
    let t = String(s).replace(/`([^`\n]+)`/g, (m, code) => hold("<code>" + esc(decode(code)) + "</code>"));
    if (markdown) t = t.replace(/\[([^\]\n]+)\]\(([^)\s]+)\)/g, (m, label, url) => hold(link(url + "|" + label)));
    t = t.replace(/<([^<>\n]+)>/g, (m, inner) => hold(link(inner)));
    let html = styles(esc(decode(t)), markdown);
    html = html.replace(/\u0001(\d+)\u0002/g, (m, i) => held[Number(i)]);
    return html;
  }
  // Lines: bullet and numbered lists, quotes, headings (markdown), breaks.
  function lines(text, markdown) {
    const ls = text.split("\n");
    let html = "", list = null;
    const close = () => { if (list) { html += "</" + (list === "steps" ? "ol" : list) + ">"; list = null; } };
    for (let i = 0; i < ls.length; i++) {
      const l = ls[i];
      let m;
      if ((m = l.match(/^\*(\d+)\.\*\s+(.*)$/))) {
        // A numbered step as Slack shows it ("*1.* Do this"): a list item
        // whose bold number stays in the text, as in Slack, and whose
        // following lines (why, sources, SOP) belong to it.
        if (list !== "steps") { close(); html += '<ol class="bk-list bk-steps" start="' + Number(m[1]) + '">'; list = "steps"; }
        html += "<li><b>" + Number(m[1]) + ".</b> " + inline(m[2], markdown) + "</li>";
      } else if (list === "steps" && l.trim() !== "") {
        html = html.replace(/<\/li>$/, "") + "<br>" + inline(l.trim(), markdown) + "</li>";
      } else if ((m = l.match(/^\s*(?:•|◦|▪|-|\*(?=\s))\s+(.*)$/))) {
        if (list !== "ul") { close(); html += '<ul class="bk-list">'; list = "ul"; }
        html += "<li>" + inline(m[1], markdown) + "</li>";
      } else if ((m = l.match(/^\s*(\d+)[.)]\s+(.*)$/))) {
        if (list !== "ol") { close(); html += '<ol class="bk-list" start="' + Number(m[1]) + '">'; list = "ol"; }
        html += "<li>" + inline(m[2], markdown) + "</li>";
      } else if (list && /^\s{2,}\S/.test(l)) {
        // An indented line continues the previous list item.
        html = html.replace(/<\/li>$/, "") + "<br>" + inline(l.trim(), markdown) + "</li>";
      } else if ((m = l.match(/^(?:&gt;|>)\s?(.*)$/))) {
        close(); html += '<blockquote class="bk-quote">' + inline(m[1], markdown) + "</blockquote>";
      } else if (markdown && (m = l.match(/^(#{1,6})\s+(.*)$/))) {
        close(); html += '<div class="bk-md-h bk-md-h' + m[1].length + '">' + inline(m[2], markdown) + "</div>";
      } else {
        close();
        if (l.trim() === "") html += '<div class="bk-gap"></div>';
        else html += '<div class="bk-line">' + inline(l, markdown) + "</div>";
      }
    }
    close();
    return html;
  }
  // mrkdwn renders Slack's mrkdwn (or, with markdown=true, common Markdown).
  function mrkdwn(text, markdown) {
    const parts = String(text || "").split("```");
    let html = "";
    parts.forEach((p, i) => {
      if (i % 2 === 1 && i < parts.length - 1) {
        html += '<pre class="bk-pre">' + esc(decode(p.replace(/^[a-z]*\n/, "").replace(/\n$/, ""))) + "</pre>";
        return;
      }
      if (i % 2 === 1) p = "```" + p; // an unclosed fence is text
      if (i > 0) p = p.replace(/^\n/, "");
      if (i < parts.length - 1) p = p.replace(/\n$/, "");
      if (p !== "") html += lines(p, markdown);
    });
    return html;
  }
  function textObj(t) {
    if (!t) return "";
    if (t.type === "mrkdwn") return mrkdwn(t.text);
    return emoji(esc(t.text || "")).replace(/\n/g, "<br>");
  }
  function el(tag, cls, html) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (html !== undefined) e.innerHTML = html;
    return e;
  }
  function button(b, opts) {
    const e = el("button", "btn bk-button" + (b.style ? " " + b.style : ""), textObj(b.text));
    e.type = "button";
    e.dataset.actionId = b.action_id || "";
    e.dataset.value = b.value || "";
    if (b.url && safeURL(b.url)) {
      e.addEventListener("click", () => window.open(safeURL(b.url), "_blank", "noopener"));
    } else if (opts && opts.onAction) {
      e.addEventListener("click", () => opts.onAction(b, e));
    }
    return e;
  }
  function image(url, alt, cls) {
    const img = el("img", cls);
    const u = safeURL(url || "");
    if (u) img.src = u;
    img.alt = alt || "";
    img.loading = "lazy";
    return img;
  }
  function richText(elements) {
    let html = "";
    const span = (x) => {
      switch (x.type) {
        case "text": {
          let t = esc(x.text || "").replace(/\n/g, "<br>");
          const s = x.style || {};
          if (s.code) t = "<code>" + t + "</code>";
          if (s.bold) t = "<b>" + t + "</b>";
          if (s.italic) t = "<i>" + t + "</i>";
          if (s.strike) t = "<s>" + t + "</s>";
          return t;
        }
        case "link": return link(x.url + (x.text ? "|" + x.text : ""));
        case "emoji": return EMOJI[x.name] || ":" + esc(x.name) + ":";
        case "user": return '<span class="bk-mention">@' + esc(x.user_id) + "</span>";
        case "channel": return '<span class="bk-mention">#' + esc(x.channel_id) + "</span>";
        default: return "";
      }
    };
    for (const e of elements || []) {
      const inner = (e.elements || []).map((x) => (x.type === "rich_text_section" ? (x.elements || []).map(span).join("") : span(x)));
      switch (e.type) {
        case "rich_text_section": html += '<div class="bk-line">' + inner.join("") + "</div>"; break;
        case "rich_text_list": {
          const tag = e.style === "ordered" ? "ol" : "ul";
          html += "<" + tag + ' class="bk-list">' + inner.map((x) => "<li>" + x + "</li>").join("") + "</" + tag + ">";
          break;
        }
        case "rich_text_preformatted": html += '<pre class="bk-pre">' + inner.join("") + "</pre>"; break;
        case "rich_text_quote": html += '<blockquote class="bk-quote">' + inner.join("") + "</blockquote>"; break;
      }
    }
    return html;
  }
  // render returns a DocumentFragment for blocks; opts.onAction(button, el)
  // is called when a button is clicked.
  function render(blocks, opts) {
    const frag = document.createDocumentFragment();
    for (const b of blocks || []) {
      let e;
      switch (b.type) {
        case "section": {
          e = el("div", "bk-section");
          const body = el("div", "bk-section-body");
          if (b.text) body.appendChild(el("div", "bk-text", textObj(b.text)));
          if (b.fields && b.fields.length) {
            const f = el("div", "bk-fields");
            for (const x of b.fields) f.appendChild(el("div", "bk-field", textObj(x)));
            body.appendChild(f);
          }
          e.appendChild(body);
          const acc = b.accessory;
          if (acc) {
            if (acc.type === "image") e.appendChild(image(acc.image_url, acc.alt_text, "bk-accessory-img"));
            else if (acc.type === "button") e.appendChild(button(acc, opts));
          }
          break;
        }
        case "header":
          e = el("div", "bk-header", textObj(b.text));
          break;
        case "divider":
          e = el("hr", "bk-divider");
          break;
        case "context": {
          e = el("div", "bk-context");
          for (const x of b.elements || []) {
            if (x.type === "image") e.appendChild(image(x.image_url, x.alt_text, "bk-context-img"));
            else e.appendChild(el("span", "bk-context-text", textObj(x)));
          }
          break;
        }
        case "image": {
          e = el("figure", "bk-image");
          if (b.title && b.title.text) e.appendChild(el("figcaption", "", textObj(b.title)));
          const img = image(b.image_url, b.alt_text, "bk-image-img");
          img.loading = "eager";
          e.appendChild(img);
          break;
        }
        case "actions": {
          e = el("div", "bk-actions");
          for (const x of b.elements || []) {
            if (x.type === "button") e.appendChild(button(x, opts));
          }
          break;
        }
        case "markdown":
          e = el("div", "bk-section bk-markdown", mrkdwn(b.text, true));
          break;
        case "rich_text":
          e = el("div", "bk-section bk-rich", richText(b.elements));
          break;
        default:
          e = el("div", "bk-unknown", "[" + esc(b.type || "block") + " block]");
      }
      if (b.block_id) e.dataset.blockId = b.block_id;
      e.dataset.type = b.type || "";
      frag.appendChild(e);
    }
    return frag;
  }

  global.BlockKit = { render, mrkdwn, esc, safeURL };
})(window);
