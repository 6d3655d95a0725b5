// The diagnostic page: every change is kept on the phone (localStorage) at once and sent to the
// server a moment later; offline, the copy waits and is sent when the network is back. A copy
// left by a closed page is put back when the page opens again on the same saved revision.
// Each save names the revision it was made from: the server refuses an older one (409).
(function () {
  "use strict";

  var PREFIX = "allervers.diagnostic.";
  var DELAY_MS = 1500; // after the last change
  var RETRY_MS = 5000; // while offline or after a failure

  var read = document.getElementById("diagnostic");
  if (!read) { return; }
  var storageKey = PREFIX + read.dataset.caseId;
  if (read.dataset.status === "submitted") {
    forget(); // submitted: nothing of it stays on the phone
    return;
  }
  var form = read;
  var status = document.getElementById("diagnostic-status");
  var revisionInput = form.querySelector("input[name=revision]");
  var csrf = form.querySelector("input[name=csrf]").value;
  var revision = Number(form.dataset.revision || "0");
  var changes = 0; // changes typed since the page opened
  var savedChanges = 0; // how many of them the server has
  var busy = false;
  var stopped = false; // the server refused for good (newer save elsewhere, submitted)
  var timer = null;
  var pendingSubmit = null;

  function text(name, values) {
    var value = form.dataset["text" + name] || "";
    Object.keys(values || {}).forEach(function (key) { value = value.replace("{" + key + "}", values[key]); });
    return value;
  }

  function show(message, kind) {
    if (!status) { return; }
    status.textContent = message;
    status.className = "diag-bar__status" + (kind ? " diag-bar__status--" + kind : "");
  }

  function fields() {
    return Array.prototype.filter.call(form.elements, function (element) {
      return element.name && element.name !== "csrf" && element.name !== "revision" &&
        element.type !== "submit";
    });
  }

  function answers() {
    var found = {};
    fields().forEach(function (element) {
      if (element.type === "checkbox") {
        found[element.name] = found[element.name] || [];
        if (element.checked) { found[element.name].push(element.value); }
      } else if (element.type === "radio") {
        if (!(element.name in found)) { found[element.name] = ""; }
        if (element.checked) { found[element.name] = element.value; }
      } else {
        found[element.name] = element.value;
      }
    });
    return found;
  }

  function restore(saved) {
    fields().forEach(function (element) {
      var value = saved[element.name];
      if (value === undefined) { return; }
      if (element.type === "checkbox") {
        element.checked = Array.isArray(value) && value.indexOf(element.value) >= 0;
      } else if (element.type === "radio") {
        element.checked = element.value === value;
      } else {
        element.value = value;
      }
    });
  }

  function keep() {
    try {
      window.localStorage.setItem(storageKey, JSON.stringify({
        base: revision, answers: answers(), at: Date.now()
      }));
    } catch (error) { /* storage full or refused: the server copy still goes out */ }
  }

  function kept() {
    try {
      return JSON.parse(window.localStorage.getItem(storageKey) || "null");
    } catch (error) { return null; }
  }

  function forget() {
    try { window.localStorage.removeItem(storageKey); } catch (error) { /* nothing kept */ }
  }

  function later(ms) {
    window.clearTimeout(timer);
    timer = window.setTimeout(save, ms);
  }

  function markErrors(errors) {
    form.querySelectorAll(".diag-field--error").forEach(function (box) {
      box.classList.remove("diag-field--error");
      var old = box.querySelector(".js-error");
      if (old) { old.remove(); }
    });
    Object.keys(errors || {}).forEach(function (key) {
      var box = form.querySelector('[data-field="' + key + '"]');
      if (!box) { return; }
      box.classList.add("diag-field--error");
      var note = document.createElement("p");
      note.className = "error small js-error";
      note.setAttribute("role", "alert");
      note.textContent = errors[key];
      var label = box.querySelector(".diag-label");
      label.parentNode.insertBefore(note, label.nextSibling);
    });
  }

  function finished() {
    busy = false;
    if (pendingSubmit !== null && !stopped) {
      var submitter = pendingSubmit;
      pendingSubmit = null;
      form.requestSubmit(submitter || undefined);
    }
  }

  function save() {
    if (busy || stopped || changes === savedChanges) { return; }
    if (!navigator.onLine) { show(text("Offline"), "offline"); return; }
    busy = true;
    var sent = changes;
    show(text("Saving"));
    fetch(form.dataset.autosave, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ revision: revision, answers: answers() })
    }).then(function (response) {
      if (response.status === 401) { window.location.reload(); return null; }
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok) {
          revision = data.revision;
          revisionInput.value = String(revision);
          form.dataset.revision = String(revision);
          savedChanges = sent;
          markErrors({});
          if (changes === sent) { forget(); } else { keep(); later(DELAY_MS); }
          show(text("Saved", { time: data.saved_at }));
        } else if (response.status === 422) {
          savedChanges = sent; // wait for the next change before trying again
          markErrors(data.errors);
          show(text("Refused"), "problem");
        } else {
          stopped = true;
          show(data.error || text("Stale"), "problem");
        }
      });
    }).catch(function () {
      show(text("Offline"), "offline");
      later(RETRY_MS);
    }).then(finished);
  }

  function changed() {
    changes += 1;
    keep();
    if (!stopped) { show(navigator.onLine ? text("Changed") : text("Offline"), navigator.onLine ? "" : "offline"); }
    later(DELAY_MS);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function (event) {
    if (!navigator.onLine) {
      event.preventDefault();
      show(text("Offline"), "offline");
      return;
    }
    if (busy) { // wait for the autosave in flight, then send the form with its revision
      event.preventDefault();
      pendingSubmit = event.submitter || null;
      return;
    }
    window.clearTimeout(timer);
  });
  window.addEventListener("online", function () { later(0); });
  window.addEventListener("offline", function () { show(text("Offline"), "offline"); });
  window.setInterval(save, RETRY_MS);

  // A radio button cannot be unticked: each question answered by one choice gets a button to
  // take the answer back (shown once a choice is ticked), so a wrong tap is not stuck there.
  var refreshers = [];
  Array.prototype.forEach.call(form.querySelectorAll("fieldset.diag-choices"), function (group) {
    var radios = group.querySelectorAll("input[type=radio]");
    if (!radios.length) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "diag-clear";
    button.textContent = text("Clear");
    function refresh() {
      button.hidden = !Array.prototype.some.call(radios, function (radio) { return radio.checked; });
    }
    button.addEventListener("click", function () {
      Array.prototype.forEach.call(radios, function (radio) { radio.checked = false; });
      refresh();
      radios[0].focus();
      changed();
    });
    group.addEventListener("change", refresh);
    group.appendChild(button);
    refresh();
    refreshers.push(refresh);
  });

  var copy = kept();
  if (copy && copy.base === revision && copy.answers) {
    restore(copy.answers);
    refreshers.forEach(function (refresh) { refresh(); });
    changes += 1;
    show(text("Restored"));
    later(0);
  } else if (copy) {
    forget(); // made from an older revision: the server holds newer work
  }
  if (!navigator.onLine) { show(text("Offline"), "offline"); }
})();
