// A step's form: table rows added and removed, and (on the portal) drafts that are never lost.
// Everything typed is kept in localStorage at once and saved to the server a moment later; when the page
// is left, what was not yet saved is sent with sendBeacon. The form still works without this script.
(function () {
  "use strict";
  if (window.stepDraftLoaded) { return; }  // the form partial and a page may both include this file
  window.stepDraftLoaded = true;

  // --- tables: add and remove rows ---------------------------------------------------------------
  var ROW_NAME = /^(.+)-(\d+)-(\w+)$/;

  function addRow(table, index) {
    var body = table.querySelector("tbody");
    var template = body.querySelector("tr");
    if (!template) { return null; }
    var name = table.getAttribute("data-table");
    var next = parseInt(table.getAttribute("data-next"), 10) || body.rows.length;
    if (index === undefined) { index = next; }
    var row = template.cloneNode(true);
    row.querySelectorAll("input").forEach(function (input) {
      var match = ROW_NAME.exec(input.name);
      if (match) { input.name = name + "-" + index + "-" + match[3]; }
      input.value = "";
      var label = input.getAttribute("aria-label");
      if (label) { input.setAttribute("aria-label", label.replace(/^\d+/, String(body.rows.length + 1))); }
    });
    body.appendChild(row);
    table.setAttribute("data-next", String(Math.max(next, index + 1)));
    return row;
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-row-add]");
    var remove = event.target.closest("[data-row-remove]");
    if (add) {
      var row = addRow(add.closest("[data-table]"));
      if (row) { row.querySelector("input").focus(); }
    } else if (remove) {
      var tr = remove.closest("tr");
      if (tr.parentNode.rows.length > 1) {
        tr.parentNode.removeChild(tr);
      } else {
        tr.querySelectorAll("input").forEach(function (input) { input.value = ""; });
      }
    } else {
      return;
    }
    var form = event.target.closest("form");
    if (form) { form.dispatchEvent(new Event("input", { bubbles: true })); }
  });

  // fill-in blanks grow with what is typed (Chinese characters are about 1em wide)
  function fit(input) {
    if (input.type !== "text" || !input.closest(".fill-in")) { return; }
    input.style.width = Math.max(11, Math.min(input.value.length * 1.05 + 1.5, 40)) + "em";
  }
  document.querySelectorAll(".fill-in .blank input[type=text]").forEach(fit);
  document.addEventListener("input", function (event) { fit(event.target); });

  // --- drafts ------------------------------------------------------------------------------------
  var form = document.querySelector("form[data-draft-url]");
  if (!form) { return; }
  var url = form.getAttribute("data-draft-url");
  var key = form.getAttribute("data-draft-key");
  var status = form.querySelector(".save-status");
  var serverSaved = (parseInt(form.getAttribute("data-server-saved"), 10) || 0) * 1000;
  var timer = null;
  var sending = false;
  var again = false;
  var submitting = false;
  var storage = null;
  try { storage = window.localStorage; storage.getItem(key); } catch (error) { storage = null; }

  function text(name) { return form.getAttribute("data-text-" + name) || ""; }

  function show(message, kind) {
    if (!status) { return; }
    status.textContent = message;
    status.classList.toggle("is-error", kind === "error");
    status.classList.toggle("is-offline", kind === "offline");
  }

  function skip(element) {
    return !element.name || element.type === "file" || element.type === "submit" || element.type === "button" ||
      element.name === "csrfmiddlewaretoken" || element.name === "version";
  }

  function snapshot() {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (element) {
      if (skip(element)) { return; }
      if (element.type === "radio" || element.type === "checkbox") {
        if (!(element.name in values)) { values[element.name] = ""; }
        if (element.checked) { values[element.name] = element.value; }
      } else {
        values[element.name] = element.value;
      }
    });
    return values;
  }

  function restore(values) {
    // rows typed on this device that the page does not have yet
    Object.keys(values).forEach(function (name) {
      var match = ROW_NAME.exec(name);
      if (!match || form.elements.namedItem(name)) { return; }
      var table = form.querySelector('[data-table="' + match[1] + '"]');
      if (table && values[name] !== "") { addRow(table, parseInt(match[2], 10)); }
    });
    Array.prototype.forEach.call(form.elements, function (element) {
      if (skip(element)) { return; }
      var value = element.name in values ? values[element.name] : (ROW_NAME.test(element.name) ? "" : null);
      if (value === null) { return; }
      if (element.type === "radio" || element.type === "checkbox") {
        element.checked = element.value === value;
      } else {
        element.value = value;
        fit(element);
      }
    });
  }

  function keep(synced) {
    if (!storage) { return; }
    try {
      storage.setItem(key, JSON.stringify({ t: Date.now(), synced: synced, values: snapshot() }));
    } catch (error) { /* storage full or disabled: the server draft still works */ }
  }

  function markSynced() {
    if (!storage) { return; }
    try {
      var kept = JSON.parse(storage.getItem(key) || "null");
      if (kept) { kept.synced = true; storage.setItem(key, JSON.stringify(kept)); }
    } catch (error) { /* ignore */ }
  }

  function body() {
    var data = new FormData(form);
    Array.prototype.forEach.call(form.querySelectorAll("input[type=file]"), function (input) {
      data.delete(input.name);
    });
    return data;
  }

  function token() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function send() {
    timer = null;
    if (sending) { again = true; return; }
    sending = true;
    show(text("saving"));
    fetch(url, {
      method: "POST",
      body: body(),
      credentials: "same-origin",
      headers: { "X-CSRFToken": token(), "Accept": "application/json" }
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("json") >= 0;
      return (json ? response.json() : Promise.resolve({})).then(function (data) {
        if (response.ok && data.time) {
          markSynced();
          show(text("saved") + " " + data.time);
        } else if (data.error) {
          show(data.error, "error");
        } else {
          show(text("offline"), "offline");
        }
      });
    }).catch(function () {
      show(text("offline"), "offline");
    }).then(function () {
      sending = false;
      if (again) { again = false; schedule(); }
    });
  }

  function schedule() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(send, 1500);
  }

  function changed() {
    if (submitting) { return; }
    keep(false);
    schedule();
  }

  function flush() {
    if (submitting || !timer) { return; }
    clearTimeout(timer);
    timer = null;
    var data = body();
    var queued = false;
    if (navigator.sendBeacon) {
      try { queued = navigator.sendBeacon(url, data); } catch (error) { queued = false; }
    }
    if (!queued) {
      fetch(url, {
        method: "POST", body: data, credentials: "same-origin", keepalive: true,
        headers: { "X-CSRFToken": token(), "Accept": "application/json" }
      }).catch(function () { /* kept in localStorage; restored next time */ });
    }
  }

  // forget drafts of this step kept for older versions of it
  if (storage) {
    var prefix = form.getAttribute("data-draft-prefix");
    for (var i = storage.length - 1; i >= 0; i--) {
      var name = storage.key(i);
      if (name && name.indexOf(prefix) === 0 && name !== key) { storage.removeItem(name); }
    }
    var kept = null;
    try { kept = JSON.parse(storage.getItem(key) || "null"); } catch (error) { kept = null; }
    if (form.getAttribute("data-bound") === "1") {
      changed();  // the page shows what was just posted (refused): keep it as the draft
    } else if (kept && !kept.synced && kept.t > serverSaved && kept.values) {
      restore(kept.values);
      show(text("restored"));
      schedule();
    }
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function () {
    submitting = true;
    if (timer) { clearTimeout(timer); timer = null; }
    if (storage) { try { storage.removeItem(key); } catch (error) { /* ignore */ } }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { flush(); }
  });
  window.addEventListener("pagehide", flush);
})();
