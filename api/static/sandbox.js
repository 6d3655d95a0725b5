// The sandbox phone redraws itself when a message arrives or changes status (polls every 3 s).
(function () {
  "use strict";
  var list = document.getElementById("conversation");
  if (!list || !window.fetch) return;
  var signature = list.dataset.signature || "";

  function paragraph(className, text) {
    var p = document.createElement("p");
    p.className = className;
    p.textContent = text;
    return p;
  }

  function bubble(item) {
    var li = document.createElement("li");
    li.className = "bubble bubble--" + item.side;
    li.dataset.id = item.id;
    li.appendChild(paragraph("bubble__body", item.body));
    li.appendChild(paragraph("bubble__meta", item.time + " · " + item.meta));
    return li;
  }

  function render(items) {
    var fragment = document.createDocumentFragment();
    if (!items.length) {
      var empty = document.createElement("li");
      empty.className = "conversation__empty";
      empty.textContent = list.dataset.empty || "";
      fragment.appendChild(empty);
    }
    items.forEach(function (item) { fragment.appendChild(bubble(item)); });
    list.replaceChildren(fragment);
    list.scrollTop = list.scrollHeight;
  }

  function poll() {
    fetch(list.dataset.feed, { headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && data.signature !== signature) {
          signature = data.signature;
          render(data.messages);
        }
      })
      .catch(function () { /* offline for a moment: try again at the next tick */ })
      .then(function () { window.setTimeout(poll, 3000); });
  }

  list.scrollTop = list.scrollHeight;
  window.setTimeout(poll, 3000);
})();
