// Tooltips and popups of edumap's maps. The page carries its texts (names of children,
// schools, villages) in one JSON block; folium's scripts refer to them by index. Every text
// is set with textContent, never parsed as HTML or evaluated: a name such as ${...}, `...`,
// {{...}} or <img onerror=...> shows exactly as typed.
window.edumap = (function () {
  "use strict";
  var table = null;

  function t(index) {
    if (table === null) {
      var block = document.getElementById("edumap-texts");
      table = block ? JSON.parse(block.textContent) : [];
    }
    var value = table[index];
    return value === undefined ? "" : value;
  }

  function text(index) {
    var div = document.createElement("div");
    div.textContent = t(index);
    return div;
  }

  // {title: i, lines: [i...], link: {href: i, text: i}} with i indices of texts
  function card(spec) {
    var div = document.createElement("div");
    var title = document.createElement("b");
    title.textContent = t(spec.title);
    div.appendChild(title);
    (spec.lines || []).forEach(function (line) {
      div.appendChild(text(line));
    });
    if (spec.link) {
      var href = t(spec.link.href);
      if (/^\/[^/\\]/.test(href)) {  // same-site paths only
        var link = document.createElement("a");
        link.href = href;
        link.target = "_top";
        link.textContent = t(spec.link.text);
        div.appendChild(link);
      }
    }
    return div;
  }

  // A GeoJSON feature's properties (indices of texts) as a two-column table.
  function properties(values, fields, labels) {
    var grid = document.createElement("table");
    fields.forEach(function (field, position) {
      var row = grid.insertRow();
      var label = document.createElement("th");
      label.textContent = t(labels[position]);
      row.appendChild(label);
      row.insertCell().textContent = t(values[field]);
    });
    return grid;
  }

  return { t: t, text: text, card: card, table: properties };
})();
