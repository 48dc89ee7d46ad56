(function () {
  "use strict";
  var form = document.getElementById("filter");
  // Printing shows every folded group, quote and finding.
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) { d.open = true; });
  });
  if (!form) { return; }
  var text = document.getElementById("filter-text");
  var country = document.getElementById("filter-country");
  var count = document.getElementById("filter-count");
  var items = Array.prototype.slice.call(document.querySelectorAll(".item"));
  var counters = Array.prototype.slice.call(document.querySelectorAll("[data-count-kind], [data-count-evidence]"));
  var norm = function (s) { return (s || "").toLowerCase().replace(/\s+/g, " ").trim(); };
  var texts = items.map(function (el) { return norm(el.textContent); });

  function recount() {
    counters.forEach(function (el) {
      var kinds = (el.getAttribute("data-count-kind") || "").split(" ").filter(Boolean);
      var evidence = el.getAttribute("data-count-evidence");
      var group = el.getAttribute("data-count-group");
      var n = 0;
      items.forEach(function (it) {
        if (it.hidden) { return; }
        if (kinds.length && kinds.indexOf(it.getAttribute("data-kind")) === -1) { return; }
        if (evidence && it.getAttribute("data-evidence") !== evidence) { return; }
        if (group && it.getAttribute("data-group") !== group) { return; }
        n += 1;
      });
      el.textContent = String(n);
    });
  }

  function apply() {
    var q = norm(text.value);
    var c = country.value;
    var shown = 0;
    items.forEach(function (el, i) {
      var ok = (!c || el.getAttribute("data-country") === c) && (!q || texts[i].indexOf(q) !== -1);
      el.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown + " of " + items.length + " changes shown";
    document.body.setAttribute("data-filtered", (q || c) ? "yes" : "no");
    recount();
  }

  function fromLocation() {
    var raw = window.location.hash.replace(/^#/, "");
    if (raw.indexOf("=") === -1) { raw = window.location.search.replace(/^\?/, ""); }
    var params = new URLSearchParams(raw);
    if (params.has("q")) { text.value = params.get("q"); }
    if (params.has("country")) {
      var wanted = params.get("country");
      Array.prototype.forEach.call(country.options, function (o) {
        if (o.value === wanted || o.getAttribute("data-code") === wanted) { country.value = o.value; }
      });
    }
  }

  form.hidden = false;
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  text.addEventListener("input", apply);
  country.addEventListener("change", apply);
  fromLocation();
  apply();
})();
