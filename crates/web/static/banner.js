/* Vigie's consent banner (C36). No framework, no third-party code.
   Before any choice nothing but the strictly necessary runs: scripts the
   site marks <script type="text/plain" data-vigie-category="performance">
   stay inert until their purpose is accepted. "Tout refuser" is as visible
   and as easy as "Tout accepter"; choices per purpose; a permanent link
   reopens it ([data-vigie-open], or the button it adds). Keyboard only:
   focus stays inside while it is open. Every choice is sent to Vigie,
   which keeps the proof. The configuration below is written by Vigie. */
(function () {
  "use strict";
  var cfg = /*CONFIG*/ null;
  if (!cfg || !window.localStorage) return;
  var T = cfg.text;
  var KEY = "vigie-consent-" + cfg.site;
  var DAY = 864e5;
  var VALID = 395 * DAY; /* 13 months */
  var dialog = null, reopen = null, lastFocus = null;

  function stored() {
    try {
      var s = JSON.parse(localStorage.getItem(KEY) || "null");
      if (s && s.v === cfg.version && Date.now() - s.t < VALID) return s;
    } catch (e) { /* unreadable: ask again */ }
    return null;
  }

  function device() {
    var d = localStorage.getItem("vigie-device");
    if (!d || !/^[A-Za-z0-9-]{16,64}$/.test(d)) {
      var b = new Uint8Array(16);
      crypto.getRandomValues(b);
      d = Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
      localStorage.setItem("vigie-device", d);
    }
    return d;
  }

  /* Brings marked scripts to life once their purpose is accepted. */
  function apply(choices) {
    var inert = document.querySelectorAll('script[type="text/plain"][data-vigie-category]');
    Array.prototype.forEach.call(inert, function (old) {
      if (!choices[old.getAttribute("data-vigie-category")]) return;
      var s = document.createElement("script");
      Array.prototype.forEach.call(old.attributes, function (a) {
        if (a.name !== "type" && a.name !== "data-vigie-category") s.setAttribute(a.name, a.value);
      });
      s.text = old.text;
      old.parentNode.replaceChild(s, old);
    });
  }

  function save(choices) {
    localStorage.setItem(KEY, JSON.stringify({ v: cfg.version, t: Date.now(), c: choices }));
    var body = JSON.stringify({ device: device(), choices: choices, notice_version: cfg.version });
    try {
      fetch(cfg.endpoint, { method: "POST", body: body, keepalive: true, mode: "cors",
        headers: { "Content-Type": "text/plain" } });
    } catch (e) { /* the choice holds in this browser; the proof is sent next time */ }
    apply(choices);
    close();
    document.dispatchEvent(new CustomEvent("vigie:consent", { detail: choices }));
  }

  function all(value) {
    var c = {};
    cfg.purposes.forEach(function (p) { if (p.category !== "necessary") c[p.category] = value; });
    return c;
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text) e.textContent = text;
    return e;
  }

  function close() {
    if (dialog) { dialog.parentNode.removeChild(dialog); dialog = null; }
    showReopen();
    if (lastFocus && lastFocus.focus) lastFocus.focus();
  }

  function trap(e) {
    if (e.key !== "Tab" || !dialog) return;
    var f = dialog.querySelectorAll("button, input, a[href]");
    var first = f[0], last = f[f.length - 1];
    if (e.shiftKey && document.activeElement === first) { last.focus(); e.preventDefault(); }
    else if (!e.shiftKey && document.activeElement === last) { first.focus(); e.preventDefault(); }
  }

  function open() {
    if (dialog) return;
    lastFocus = document.activeElement;
    var current = (stored() || {}).c || {};
    dialog = el("div", { "class": "vigie-banner", role: "dialog", "aria-modal": "true",
      "aria-labelledby": "vigie-title", "aria-describedby": "vigie-text", lang: cfg.lang });
    var box = el("div", { "class": "vigie-box" });
    box.appendChild(el("h2", { id: "vigie-title" }, T.title));
    var text = el("div", { id: "vigie-text" });
    text.appendChild(el("p", {}, T.intro.replace("{controller}", cfg.controller)));
    text.appendChild(el("p", {}, T.consequences));
    var list = el("ul", { "class": "vigie-purposes" });
    cfg.purposes.forEach(function (p) {
      var li = el("li");
      var id = "vigie-p-" + p.category;
      var box2 = el("input", { type: "checkbox", id: id, name: p.category });
      if (p.category === "necessary") { box2.checked = true; box2.disabled = true; }
      else box2.checked = !!current[p.category];
      var label = el("label", { "for": id });
      label.appendChild(el("strong", {}, T.purposes[p.category]));
      if (p.services.length) label.appendChild(document.createTextNode(" (" + p.services.join(", ") + ")"));
      li.appendChild(box2);
      li.appendChild(label);
      list.appendChild(li);
    });
    text.appendChild(list);
    var more = el("p", {}, T.withdraw + " ");
    more.appendChild(el("a", { href: cfg.policy }, T.policy));
    text.appendChild(more);
    box.appendChild(text);
    var actions = el("div", { "class": "vigie-actions" });
    var refuse = el("button", { type: "button", "class": "vigie-choice" }, T.refuse);
    var accept = el("button", { type: "button", "class": "vigie-choice" }, T.accept);
    var custom = el("button", { type: "button", "class": "vigie-save" }, T.save);
    refuse.addEventListener("click", function () { save(all(false)); });
    accept.addEventListener("click", function () { save(all(true)); });
    custom.addEventListener("click", function () {
      var c = {};
      cfg.purposes.forEach(function (p) {
        if (p.category !== "necessary") c[p.category] = !!dialog.querySelector("#vigie-p-" + p.category).checked;
      });
      save(c);
    });
    actions.appendChild(refuse);
    actions.appendChild(accept);
    actions.appendChild(custom);
    box.appendChild(actions);
    dialog.appendChild(box);
    dialog.addEventListener("keydown", trap);
    document.body.appendChild(dialog);
    refuse.focus();
  }

  function showReopen() {
    var links = document.querySelectorAll("[data-vigie-open]");
    if (links.length) return;
    if (!reopen) {
      reopen = el("button", { type: "button", "class": "vigie-reopen" }, T.manage);
      reopen.addEventListener("click", open);
      document.body.appendChild(reopen);
    }
  }

  /* Forms objecting to solicitation (C37) send without leaving the page;
     without this script they post to Vigie and come back by a link. */
  function opposition(form) {
    var status = el("p", { role: "status", "class": "vigie-status" });
    form.appendChild(status);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var body = JSON.stringify({ channel: form.elements.channel.value, value: form.elements.value.value });
      fetch(cfg.opposition, { method: "POST", body: body, mode: "cors", headers: { "Content-Type": "text/plain" } })
        .then(function (r) { return r.json().then(function (j) { return [r.ok, j]; }); })
        .then(function (a) { status.textContent = a[0] ? T.opposed : T.not_opposed + " " + (a[1].error || ""); })
        .catch(function () { status.textContent = T.not_opposed; });
    });
  }

  function start() {
    /* The site's <head> should link it (no unstyled flash); if not, now. */
    if (!document.querySelector('link[href="' + cfg.css + '"]'))
      document.head.appendChild(el("link", { rel: "stylesheet", href: cfg.css }));
    Array.prototype.forEach.call(document.querySelectorAll("form[data-vigie-opposition]"), opposition);
    Array.prototype.forEach.call(document.querySelectorAll("[data-vigie-open]"), function (a) {
      a.addEventListener("click", function (e) { e.preventDefault(); open(); });
    });
    var s = stored();
    if (s) { apply(s.c); showReopen(); } else { open(); }
  }

  window.vigieConsent = { open: open, choices: function () { return (stored() || {}).c || null; } };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
