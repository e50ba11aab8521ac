// Progressive enhancement: fill the shared <datalist> with names as the person types, and
// show the print buttons (the print stylesheet works without them).
// Every form works without this script.
(function () {
  "use strict";
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  var list = document.getElementById("medication-names");
  if (!list || !window.fetch) { return; }
  var timer = null;
  var lastQuery = "";

  function fill(names) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    names.forEach(function (name) {
      var option = document.createElement("option");
      option.value = name;
      list.appendChild(option);
    });
  }

  function lookup(query) {
    if (query === lastQuery) { return; }
    lastQuery = query;
    fetch("/api/medications?q=" + encodeURIComponent(query), { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { names: [] }; })
      .then(function (body) { if (query === lastQuery) { fill(body.names || []); } })
      .catch(function () { /* suggestions are optional */ });
  }

  document.querySelectorAll('input[list="medication-names"]').forEach(function (input) {
    input.addEventListener("input", function () {
      var query = input.value.trim();
      clearTimeout(timer);
      if (query.length < 2) { return; }
      timer = setTimeout(function () { lookup(query); }, 200);
    });
  });
}());
