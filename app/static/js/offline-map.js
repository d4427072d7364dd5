// The offline copy's map (issue 21): tambons by coverage rate and the schools, from data the
// copy ships as script files (window.EDUMAP_DATA), since browsers refuse fetch() from file://.
// No tiles: the copy is for places without a network. Every label is set as text, never HTML.
(function () {
  "use strict";
  var data = window.EDUMAP_DATA || {};
  var element = document.getElementById("offline-map");
  if (!element || !window.L) {
    return;
  }

  function rateFill(rate) {
    if (rate === null || rate === undefined) {
      return "#d9d9d9";
    }
    if (rate >= 0.97) {
      return "#1a9850";
    }
    return rate >= 0.9 ? "#fdae61" : "#d73027";
  }

  function shown(value) {
    if (value === null || value === undefined) {
      return "-";
    }
    return typeof value === "number" ? value.toLocaleString("th-TH") : String(value);
  }

  function lines(texts) {
    var box = document.createElement("div");
    texts.forEach(function (line) {
      var row = document.createElement("div");
      row.textContent = line;
      box.appendChild(row);
    });
    return box;
  }

  var map = L.map(element, { zoomSnap: 0.25 });
  var tambons = L.geoJSON(data.tambons || { type: "FeatureCollection", features: [] }, {
    style: function (feature) {
      return {
        color: "#444",
        weight: 1,
        fillColor: rateFill(feature.properties.coverage_rate),
        fillOpacity: 0.75,
      };
    },
    onEachFeature: function (feature, layer) {
      var p = feature.properties;
      var rate = p.coverage_rate === null || p.coverage_rate === undefined
        ? "-" : (p.coverage_rate * 100).toFixed(1) + "%";
      layer.bindTooltip(lines([
        "ตำบล" + p.name_th,
        "เด็กวัยการศึกษาภาคบังคับ " + shown(p.compulsory_age),
        "เด็กนอกระบบการศึกษา " + shown(p.out_of_school),
        "อัตราการเข้าเรียน " + rate,
      ]), { sticky: true });
      layer.on("click", function () {
        window.location.href = "tambons/" + feature.id + ".html";
      });
    },
  }).addTo(map);
  var schools = L.geoJSON(data.schools || { type: "FeatureCollection", features: [] }, {
    pointToLayer: function (feature, latlng) {
      return L.circleMarker(latlng, {
        radius: 5, color: "#fff", weight: 1, fillColor: "#08519c", fillOpacity: 1,
      });
    },
    onEachFeature: function (feature, layer) {
      var p = feature.properties;
      layer.bindTooltip(lines([
        p.name_th,
        "นักเรียน " + shown(p.enrolled) + " · ที่นั่ง " + shown(p.capacity),
        "อุปกรณ์เพื่อการเรียน " + shown(p.learning_devices),
        "อินเทอร์เน็ต " + (p.mbps ? shown(p.mbps) + " Mbps" : "ไม่มี"),
      ]));
      layer.on("click", function () {
        window.location.href = "schools/" + feature.id + ".html";
      });
    },
  }).addTo(map);
  L.control.layers(null, { "ตำบล (อัตราการเข้าเรียน)": tambons, "โรงเรียน": schools }).addTo(map);
  var bounds = tambons.getBounds();
  if (bounds.isValid()) {
    map.fitBounds(bounds);
  } else {
    map.setView([13.7, 100.5], 6);
  }
  window.edumapOffline = {
    map: map,
    tambons: tambons.getLayers().length,
    schools: schools.getLayers().length,
  };
})();
