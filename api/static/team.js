// Team pages: the inbox refreshes itself; the contract page prints. No framework, no CDN.
(function () {
  "use strict";

  function pollInbox(list) {
    var seconds = Number(list.dataset.pollSeconds || "3");
    var status = document.getElementById("inbox-status");
    var busy = false;

    function tick() {
      if (busy || document.hidden) { return; }
      busy = true;
      var feed = list.dataset.feed;
      var url = feed + (feed.indexOf("?") >= 0 ? "&" : "?") + "signature=" +
        encodeURIComponent(list.dataset.signature || "");
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (response.status === 401) { window.location.reload(); return null; }
          return response.ok ? response.json() : null;
        })
        .then(function (data) {
          if (!data || !data.changed) { return; }
          // Where the focus was (an item's link or button): put it back on the same control
          // of the same item after the refresh, so a keyboard or screen-reader user is not
          // thrown elsewhere; if that item is gone, on the list itself, visibly.
          var active = document.activeElement;
          var focused = active && list.contains(active);
          var item = focused ? active.closest("[data-key]") : null;
          var itemKey = item ? item.dataset.key : null;
          var controls = item ? Array.prototype.slice.call(item.querySelectorAll("a, button")) : [];
          var index = controls.indexOf(active);
          list.innerHTML = data.html;
          list.dataset.signature = data.signature;
          if (status && data.status) { status.textContent = data.status; }
          Object.keys(data.counts || {}).forEach(function (name) {
            var tab = document.getElementById("tab-" + name);
            if (tab) { tab.textContent = data.counts[name]; }
          });
          if (focused) {
            var again = itemKey ? list.querySelector('[data-key="' + itemKey + '"]') : null;
            var target = again ? again.querySelectorAll("a, button")[index] : null;
            (target || list).focus();
          }
        })
        .catch(function () { /* offline for a moment: the next tick tries again */ })
        .then(function () { busy = false; });
    }

    list.setAttribute("tabindex", "-1");
    window.setInterval(tick, seconds * 1000);
    document.addEventListener("visibilitychange", tick);
  }

  var inbox = document.getElementById("inbox-items");
  if (inbox && inbox.dataset.feed) { pollInbox(inbox); }

  // Filters fold under a "Filtres" button on a phone; on a wide screen they stay open.
  if (window.matchMedia("(min-width: 48rem)").matches) {
    document.querySelectorAll("details[data-open-wide]").forEach(function (fold) {
      if (!fold.open) { fold.open = true; fold.dataset.openedWide = "1"; }
    });
  }

  // A delete asks first (the form says what it deletes).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });

  // Signing out erases the diagnostic drafts kept on this phone (a household's answers do not
  // stay on a phone once its user has left); a draft is only kept while it has not reached the
  // server, so the worker is asked first (diagnostic.js keeps them under this prefix).
  var DRAFTS = "allervers.diagnostic.";
  function drafts() {
    try {
      return Object.keys(window.localStorage).filter(function (key) { return key.indexOf(DRAFTS) === 0; });
    } catch (error) { return []; }
  }
  document.querySelectorAll("form[data-unsent-drafts]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var kept = drafts();
      if (kept.length && !window.confirm(form.dataset.unsentDrafts)) {
        event.preventDefault();
        return;
      }
      kept.forEach(function (key) {
        try { window.localStorage.removeItem(key); } catch (error) { /* nothing kept */ }
      });
    });
  });

  // "Copy the address": to the clipboard, and the button says it was done.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      if (!navigator.clipboard) { return; }
      navigator.clipboard.writeText(button.dataset.copy).then(function () {
        button.textContent = button.dataset.copied || button.textContent;
      });
    });
  });

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
