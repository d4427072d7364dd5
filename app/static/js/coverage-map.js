// The coverage map's layers, fetched as GeoJSON from edumap's API: tambons coloured by coverage,
// district borders and names, schools by seats used, unserved children counted per village, and
// (for the roles allowed them) children by name in the view when zoomed in. A search box, a
// legend of what is shown and a panel with the figures of what was clicked.
//
// Every text from the data is set with textContent, never parsed as HTML.
(function () {
  "use strict";

  var UTILISATION = {
    room: ["#1a9850", "ที่นั่งเหลือ"],
    near: ["#fc8d59", "ใกล้เต็ม (เกิน 80%)"],
    over: ["#d73027", "เกินความจุ"],
    unknown: ["#888888", "ไม่มีข้อมูลห้องเรียน"],
  };
  var number = new Intl.NumberFormat("th-TH");

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function shown(value) {
    if (value === null || value === undefined || value === "") return "-";
    return typeof value === "number" ? number.format(value) : String(value);
  }

  function percent(rate) {
    return rate === null || rate === undefined ? "-" : (rate * 100).toFixed(1) + "%";
  }

  function escapeHtml(value) {
    var div = document.createElement("div");
    div.textContent = value;
    return div.innerHTML;
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(url + ": HTTP " + response.status);
        return response.json();
      });
  }

  // --- the side panel: the figures of what was clicked ------------------------------------

  function Panel() {
    this.node = el("aside", "edumap-panel");
    this.node.id = "edumap-panel";
    this.node.setAttribute("aria-live", "polite");
    this.node.hidden = true;
    document.body.appendChild(this.node);
    L.DomEvent.disableClickPropagation(this.node);
    L.DomEvent.disableScrollPropagation(this.node);
  }

  Panel.prototype.show = function (title, subtitle, rows, links) {
    var node = this.node;
    node.replaceChildren();
    var close = el("button", "edumap-panel-close", "×");
    close.type = "button";
    close.title = "ปิด";
    close.addEventListener("click", function () { node.hidden = true; });
    node.appendChild(close);
    node.appendChild(el("h2", null, title));
    if (subtitle) node.appendChild(el("p", "edumap-panel-sub", subtitle));
    var table = el("table", "edumap-figures");
    rows.forEach(function (row) {
      var tr = table.insertRow();
      tr.appendChild(el("th", null, row[0]));
      var td = tr.insertCell();
      td.textContent = shown(row[1]);
      if (typeof row[1] === "number") td.className = "num";
    });
    node.appendChild(table);
    (links || []).forEach(function (link) {
      if (!/^\/[^/\\]/.test(link[0])) return; // same-site paths only
      var a = el("a", "edumap-panel-link", link[1]);
      a.href = link[0];
      node.appendChild(a);
    });
    node.hidden = false;
  };

  // --- the legend: one section per visible layer, wrapping, never cut ----------------------

  function Legend(map) {
    var control = L.control({ position: "bottomleft" });
    var node = el("div", "edumap-legend");
    node.id = "edumap-legend";
    control.onAdd = function () { return node; };
    control.addTo(map);
    L.DomEvent.disableClickPropagation(node);
    this.node = node;
    this.sections = [];
  }

  Legend.prototype.render = function (map) {
    var node = this.node;
    node.replaceChildren();
    this.sections.forEach(function (section) {
      if (!map.hasLayer(section.layer)) return;
      var block = el("div", "edumap-legend-section");
      block.appendChild(el("b", null, section.title));
      var items = el("div", "edumap-legend-items");
      section.items.forEach(function (item) {
        var entry = el("span", "edumap-legend-item");
        var swatch = el("span", "edumap-swatch" + (item[2] ? " " + item[2] : ""));
        swatch.style.background = item[0];
        entry.appendChild(swatch);
        entry.appendChild(document.createTextNode(item[1]));
        items.appendChild(entry);
      });
      block.appendChild(items);
      if (section.note) block.appendChild(el("div", "edumap-legend-note", section.note()));
      node.appendChild(block);
    });
  };

  // --- the search box ------------------------------------------------------------------------

  var KIND_TH = { school: "โรงเรียน", subdistrict: "ตำบล", village: "หมู่บ้าน" };

  function SearchBox(map, query, onPick) {
    var control = L.control({ position: "topleft" });
    var node = el("div", "edumap-search");
    var input = el("input");
    input.type = "search";
    input.placeholder = "ค้นหาโรงเรียน ตำบล หมู่บ้าน";
    input.setAttribute("aria-label", "ค้นหาโรงเรียน ตำบล หรือหมู่บ้าน");
    input.id = "edumap-search";
    var list = el("ul", "edumap-search-results");
    node.appendChild(input);
    node.appendChild(list);
    control.onAdd = function () { return node; };
    control.addTo(map);
    L.DomEvent.disableClickPropagation(node);
    L.DomEvent.disableScrollPropagation(node);
    var timer = null;
    var asked = 0;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var words = input.value.trim();
      if (!words) { list.replaceChildren(); return; }
      timer = setTimeout(function () {
        var mine = ++asked;
        var params = new URLSearchParams(query);
        params.set("q", words);
        params.set("limit", "10");
        getJson("/api/v1/search?" + params).then(function (found) {
          if (mine !== asked) return; // a later search answered first
          list.replaceChildren();
          if (!found.results.length) list.appendChild(el("li", "edumap-none", "ไม่พบ"));
          found.results.forEach(function (place) {
            var item = el("li");
            var button = el("button", null);
            button.type = "button";
            button.appendChild(el("span", "edumap-kind", KIND_TH[place.kind] || place.kind));
            button.appendChild(document.createTextNode(place.name_th));
            if (place.context_th) button.appendChild(el("small", null, place.context_th));
            button.addEventListener("click", function () {
              list.replaceChildren();
              input.value = place.name_th;
              onPick(place);
            });
            item.appendChild(button);
            list.appendChild(item);
          });
        }).catch(function (error) {
          list.replaceChildren(el("li", "edumap-none", "ค้นหาไม่ได้: " + error.message));
        });
      }, 250);
    });
  }

  // --- the layers ----------------------------------------------------------------------------

  function rateColour(config, rate) {
    if (rate === null || rate === undefined) return config.no_data_colour;
    for (var i = 0; i < config.rate_colours.length; i++) {
      if (rate >= config.rate_colours[i][0]) return config.rate_colours[i][1];
    }
    return config.no_data_colour;
  }

  function start() {
    var block = document.getElementById("edumap-map-config");
    if (!block) return;
    var config = JSON.parse(block.textContent);
    var map = window[config.map];
    document.title = config.title_th;
    // What the page has drawn, for people debugging it and for the browser tests.
    var state = { config: config, map: map, loaded: {}, named: {}, failed: [], ready: false };
    window.edumapCoverage = state;

    var area = new URLSearchParams(config.area);
    var areaNoLevel = new URLSearchParams(config.area);
    areaNoLevel.delete("level");
    var round = "round=" + encodeURIComponent(config.round);
    // Panes keep the drawing order whatever answers first: areas, villages, schools, names.
    function pane(name, zIndex) {
      map.createPane(name).style.zIndex = zIndex;
      return L.canvas({ padding: 0.3, pane: name });
    }
    var villageCanvas = pane("edumap-villages", 410);
    var schoolCanvas = pane("edumap-schools", 420);
    var namedCanvas = pane("edumap-named", 430);
    var panel = new Panel();
    var legend = new Legend(map);
    var small = window.matchMedia("(max-width: 700px)").matches;
    var control = L.control.layers(null, null, { collapsed: small, position: "topright" });
    control.addTo(map);
    var schoolsByCode = {};
    var pending = [];

    function add(layer, title, on) {
      control.addOverlay(layer, escapeHtml(title));
      if (on) layer.addTo(map);
    }

    function fail(what, error) {
      state.failed.push(what + ": " + error.message);
      panel.show("โหลดข้อมูลไม่สำเร็จ", what, [["สาเหตุ", error.message]], []);
    }

    // Tambons, coloured by the compulsory-age coverage rate (the pre-primary rate on a map of
    // the pre-primary level).
    var prePrimary = config.area.level === "pre_primary";
    var rateOf = function (p) { return prePrimary ? p.pre_primary_rate : p.coverage_rate; };
    var rateTitle = prePrimary ? "อัตราการเข้าเรียนอนุบาล" : "อัตราการเข้าเรียนภาคบังคับ";
    var tambons = L.geoJSON(null, {
      style: function (feature) {
        return {
          fillColor: rateColour(config, rateOf(feature.properties)),
          color: "#666", weight: 0.6, fillOpacity: 0.55,
        };
      },
      onEachFeature: function (feature, layer) {
        var p = feature.properties;
        layer.bindTooltip(el("div", null, "ต." + p.name_th + " " + percent(rateOf(p))),
                          { sticky: true });
        layer.on("click", function () { showTambon(p, feature.id); });
      },
    });
    var tambonLabels = L.layerGroup();
    add(tambons, rateTitle + " ปีการศึกษา " + config.round, true);
    legend.sections.push({
      layer: tambons,
      title: rateTitle + " (รายตำบล)",
      items: [
        [config.rate_colours[0][1], "95% ขึ้นไป"],
        [config.rate_colours[1][1], "90-95%"],
        [config.rate_colours[2][1], "85-90%"],
        [config.rate_colours[3][1], "ต่ำกว่า 85%"],
        [config.no_data_colour, "ไม่มีเด็กในสำมะโน"],
      ],
    });

    function showTambon(p, code) {
      var district = (p.district_code || String(code).slice(0, 4));
      panel.show("ตำบล" + p.name_th, "รหัส " + code, [
        ["อัตราการเข้าเรียนภาคบังคับ", percent(p.coverage_rate)],
        ["เด็กวัยเรียนภาคบังคับ", p.compulsory_age],
        ["กำลังเรียน", p.compulsory_enrolled],
        ["เด็กนอกระบบ", p.out_of_school],
        ["บ้านไกลโรงเรียนเกินเกณฑ์", p.beyond_distance],
        ["เด็กวัยอนุบาล", p.pre_primary_age],
        ["อัตราการเข้าเรียนอนุบาล", percent(p.pre_primary_rate)],
        ["เข้า ป.1 ปีหน้า", p.due_prathom1_next_year],
      ], [["/reports/coverage?round=" + config.round + "&district=" + district,
           "รายงานความครอบคลุมของอำเภอ"]]);
    }

    pending.push(getJson("/api/v1/coverage/subdistricts?" + round + "&" + areaNoLevel +
                         "&simplify_m=50").then(function (collection) {
      tambons.addData(collection);
      collection.features.forEach(function (feature) {
        var centre = L.geoJSON(feature).getBounds().getCenter();
        tambonLabels.addLayer(L.tooltip({
          permanent: true, direction: "center", className: "edumap-tambon-label",
          interactive: false,
        }).setLatLng(centre).setContent(el("span", null, feature.properties.name_th)));
      });
      state.loaded.tambons = collection.features.length;
      tambons.bringToBack();
    }).catch(function (error) { fail("ตำบล", error); }));

    // District borders and names.
    var districts = L.geoJSON(null, {
      style: { color: "#222", weight: 2, fill: false, dashArray: "6 3" },
      interactive: false,
    });
    var districtLabels = L.layerGroup();
    add(districts, "เขตอำเภอ", true);
    legend.sections.push({
      layer: districts, title: "เขตอำเภอ", items: [["#222", "เส้นแบ่งอำเภอ", "edumap-line"]],
    });
    pending.push(getJson("/api/v1/map-layers/districts?" + area).then(function (collection) {
      districts.addData(collection);
      collection.features.forEach(function (feature) {
        var at = feature.properties.label;
        districtLabels.addLayer(L.tooltip({
          permanent: true, direction: "center", className: "edumap-district-label",
          interactive: false,
        }).setLatLng([at[1], at[0]]).setContent(el("span", null, "อ." + feature.properties.name_th)));
      });
      state.loaded.districts = collection.features.length;
      syncLabels();
    }).catch(function (error) { fail("อำเภอ", error); }));

    function syncLabels() {
      var zoom = map.getZoom();
      if (map.hasLayer(districts) && zoom < 13) districtLabels.addTo(map);
      else districtLabels.remove();
      if (map.hasLayer(tambons) && zoom >= 11) tambonLabels.addTo(map);
      else tambonLabels.remove();
    }
    map.on("zoomend overlayadd overlayremove", syncLabels);

    // The schools' service areas of the level shown (off at first: a planner's working layer).
    var areas = L.geoJSON(null, {
      style: { color: "#3366cc", weight: 1.2, fillOpacity: 0.05 },
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(el("div", null, "เขตบริการ " + feature.properties.school_name_th),
                          { sticky: true });
      },
    });
    add(areas, "เขตบริการโรงเรียน (" + (config.level_th || "ประถมศึกษา") + ")", false);
    legend.sections.push({
      layer: areas, title: "เขตบริการโรงเรียน",
      items: [["#3366cc", "ขอบเขตบริการของแต่ละโรงเรียน", "edumap-line-solid"]],
    });
    pending.push(getJson("/api/v1/map-layers/service-areas?" + round + "&" + area)
      .then(function (collection) {
        areas.addData(collection);
        state.loaded.service_areas = collection.features.length;
      }).catch(function (error) { fail("เขตบริการ", error); }));

    // Schools, sized by pupils, coloured by seats used.
    var schools = L.layerGroup();
    add(schools, "โรงเรียน (สีตามการใช้ที่นั่ง)" + (config.level_th ? " " + config.level_th : ""),
        true);
    legend.sections.push({
      layer: schools,
      title: "โรงเรียน (ขนาดตามจำนวนนักเรียน)",
      items: Object.keys(UTILISATION).map(function (k) {
        return [UTILISATION[k][0], UTILISATION[k][1], "edumap-dot"];
      }),
    });

    function showSchool(p) {
      var links = [["/schools/" + p.code, "หน้าโรงเรียน"]];
      if (p.call_list) {
        links.push(["/api/v1/schools/" + p.code + "/call-list.pdf?round=" + config.round,
                    "บัญชีเรียกตัวเด็กเข้า ป.1 (PDF)"]);
      }
      panel.show(p.name_th, "รหัส " + p.code + (p.code_synthetic ? " (สังเคราะห์)" : "") +
                 " · สอน " + p.grades_th, [
        ["นักเรียน", p.enrolled],
        ["ความจุ (ที่นั่ง)", p.capacity],
        ["ที่นั่งว่าง", p.seats_free],
        ["การใช้ที่นั่ง", (UTILISATION[p.utilisation] || UTILISATION.unknown)[1]],
        ["ที่นั่ง ป.1", p.p1_capacity],
        ["เด็กในเขตบริการเข้า ป.1 ปีหน้า", p.p1_demand],
        ["อุปกรณ์เพื่อการเรียนต่อนักเรียน 1 คน", p.learning_devices_per_pupil],
        ["อินเทอร์เน็ต (Mbps)", p.internet_mbps],
        ["อุปกรณ์ ICT ชำรุด (เครื่อง)", p.broken_devices],
        ["อาคาร (หลัง)", p.buildings],
        ["สภาพอาคารเฉลี่ย (1-5)", p.building_condition],
      ], links);
    }

    pending.push(getJson("/api/v1/map-layers/schools?" + round + "&" + area)
      .then(function (collection) {
        collection.features.forEach(function (feature) {
          var p = feature.properties;
          var c = feature.geometry.coordinates;
          var marker = L.circleMarker([c[1], c[0]], {
            renderer: schoolCanvas, radius: 3 + Math.min(10, Math.sqrt(p.enrolled) / 2),
            color: "#333", weight: 1, fillOpacity: 0.9,
            fillColor: (UTILISATION[p.utilisation] || UTILISATION.unknown)[0],
          });
          marker.bindTooltip(el("div", null, p.name_th), { sticky: true });
          marker.on("click", function () { showSchool(p); });
          marker.feature = feature;
          schools.addLayer(marker);
          schoolsByCode[p.code] = marker;
        });
        state.loaded.schools = collection.features.length;
      }).catch(function (error) { fail("โรงเรียน", error); }));

    // A layer of children counted per village: its legend, then a marker a village sized by
    // its count (a hidden small count, a small pale marker), with a tooltip and a panel.
    function villageCounts(title, shownByDefault, colours, url, loadedKey, describe) {
      var counts = L.layerGroup();
      add(counts, title + " (จำนวนรายหมู่บ้าน)", shownByDefault);
      legend.sections.push({
        layer: counts,
        title: title + " รายหมู่บ้าน",
        items: [[colours[0], "ขนาดตามจำนวนเด็ก", "edumap-dot"],
                [colours[1], "น้อยกว่า 5 คน (ไม่แสดงจำนวน)", "edumap-dot"]],
      });
      pending.push(getJson(url).then(function (collection) {
        collection.features.forEach(function (feature) {
          var p = feature.properties;
          var c = feature.geometry.coordinates;
          var marker = L.circleMarker([c[1], c[0]], {
            renderer: villageCanvas, radius: p.size ? 4 + Math.min(16, Math.sqrt(p.size) * 1.5) : 4,
            color: "#fff", weight: 1, fillOpacity: 0.85,
            fillColor: p.size ? colours[0] : colours[1],
          });
          var about = describe(p);
          marker.bindTooltip(el("div", null, p.name_th + " หมู่ " + shown(p.moo) + ": " +
                                about.tooltip), { sticky: true });
          marker.on("click", function () {
            panel.show(p.name_th, "หมู่ " + shown(p.moo) + " ต." + p.subdistrict_name_th,
                       about.rows, []);
          });
          counts.addLayer(marker);
        });
        state.loaded[loadedKey] = collection.features.length;
      }).catch(function (error) { fail(title, error); }));
    }

    // The registers: registered children out of school by what the office knows (a visit's
    // finding, else no school record), per village of the registered address; verified apart.
    villageCounts(config.registers.label_th, config.registers.shown, ["#54278f", "#bcbddc"],
      "/api/v1/map-layers/register-villages?" + round + "&" + area, "register_villages",
      function (p) {
        return {
          tooltip: shown(p.children) + " คน (ยืนยันแล้ว " + shown(p.verified) + ")",
          rows: [["นอกระบบตามทะเบียนราษฎร", p.children], ["ยืนยันจากการลงพื้นที่", p.verified]],
        };
      });

    // The office's own forms: the answers of a select question per tambon, sized by how many
    // answered (a pale dot where a count is hidden), off until chosen.
    (config.forms || []).forEach(function (form) {
      var title = "แบบสำรวจ: " + form.title;
      var answers = L.layerGroup();
      add(answers, title + " (รายตำบล)", false);
      legend.sections.push({
        layer: answers,
        title: title + " ข้อ " + form.question,
        items: [["#e6550d", "ขนาดตามจำนวนคำตอบ", "edumap-dot"],
                ["#fdd0a2", "มีจำนวนน้อยกว่า 5 (ไม่แสดงจำนวน)", "edumap-dot"]],
      });
      pending.push(getJson("/api/v1/forms/" + encodeURIComponent(form.form_id) + "/map?question=" +
                           encodeURIComponent(form.question)).then(function (collection) {
        collection.features.forEach(function (feature) {
          var p = feature.properties;
          var c = feature.geometry.coordinates;
          var rows = Object.keys(p.answers).map(function (k) { return [k || "-", p.answers[k]]; });
          var marker = L.circleMarker([c[1], c[0]], {
            renderer: villageCanvas, radius: p.size ? 4 + Math.min(16, Math.sqrt(p.size) * 1.5) : 4,
            color: "#fff", weight: 1, fillOpacity: 0.85, fillColor: p.size ? "#e6550d" : "#fdd0a2",
          });
          marker.bindTooltip(el("div", null, "ต." + p.name_th + ": " + rows.map(function (r) {
            return r[0] + " " + shown(r[1]);
          }).join(" · ")), { sticky: true });
          marker.on("click", function () {
            panel.show(form.title, "ต." + p.name_th + " · ข้อ " + form.question, rows, []);
          });
          answers.addLayer(marker);
        });
        state.loaded["form_" + form.form_id] = collection.features.length;
      }).catch(function (error) { fail(title, error); }));
    });

    // Data rounds: who has sent their figures, each school coloured by its state (off until
    // chosen; the OGC API's public layer of the round, no figures in it).
    var ROUND_COLOURS = {
      not_started: "#969696", draft: "#fdae61", submitted: "#4575b4", returned: "#d73027",
      accepted: "#1a9850",
    };
    (config.data_rounds || []).forEach(function (round) {
      var title = "การส่งข้อมูล: " + round.title_th;
      var sent = L.layerGroup();
      add(sent, title, false);
      legend.sections.push({
        layer: sent, title: title,
        items: Object.keys(ROUND_COLOURS).map(function (k) {
          return [ROUND_COLOURS[k], config.data_round_states_th[k], "edumap-dot"];
        }),
      });
      pending.push(getJson("/ogc/collections/" + round.layer + "/items?limit=10000")
        .then(function (collection) {
          collection.features.forEach(function (feature) {
            var p = feature.properties;
            var c = feature.geometry.coordinates;
            var marker = L.circleMarker([c[1], c[0]], {
              renderer: villageCanvas, radius: 6, color: "#fff", weight: 1, fillOpacity: 0.9,
              fillColor: ROUND_COLOURS[p.state] || "#969696",
            });
            marker.bindTooltip(el("div", null, p.school_name_th + ": " +
                                  config.data_round_states_th[p.state]), { sticky: true });
            sent.addLayer(marker);
          });
          state.loaded[round.layer] = collection.features.length;
        }).catch(function (error) { fail(title, error); }));
    });

    // Internet: each school's link against the ICT norm, with its learning devices per pupil
    // (off until chosen; the OGC API's public layer).
    var LINK_COLOURS = { no_link: "#d73027", slow: "#fdae61", healthy: "#1a9850" };
    if (config.connectivity) {
      var links = L.layerGroup();
      var linkTitle = "อินเทอร์เน็ตของโรงเรียน (เทียบเกณฑ์)";
      add(links, linkTitle, false);
      legend.sections.push({
        layer: links, title: linkTitle,
        items: Object.keys(LINK_COLOURS).map(function (k) {
          return [LINK_COLOURS[k], config.connectivity.labels_th[k], "edumap-dot"];
        }),
      });
      // The area's schools only (an office's, or a district's); a province's are all listed.
      var areaField = config.area.esao ? "office_code" : config.area.district ? "district_code" : null;
      var areaFilter = areaField ? "&filter=" + encodeURIComponent(
        areaField + " = '" + String(config.area[areaField === "office_code" ? "esao" : "district"])
          .replace(/'/g, "''") + "'") : "";
      pending.push(getJson("/ogc/collections/" + config.connectivity.layer +
                           "/items?limit=10000" + areaFilter)
        .then(function (collection) {
          collection.features.forEach(function (feature) {
            var p = feature.properties;
            var c = feature.geometry.coordinates;
            var marker = L.circleMarker([c[1], c[0]], {
              renderer: villageCanvas, radius: 6, color: "#fff", weight: 1, fillOpacity: 0.9,
              fillColor: LINK_COLOURS[p.status] || "#969696",
            });
            var speed = p.contracted_mbps === null ? "-" : p.contracted_mbps + " Mbps";
            marker.bindTooltip(el("div", null, p.school_name_th + ": " +
                                  config.connectivity.labels_th[p.status] + " (" + speed + ")"),
                               { sticky: true });
            marker.on("click", function () {
              panel.show(p.school_name_th, config.connectivity.labels_th[p.status], [
                ["ความเร็วตามสัญญา (Mbps)", p.contracted_mbps],
                ["ความเร็ววัดได้ มัธยฐาน 30 วัน (Mbps)", p.median_mbps],
                ["ความเร็วตามเกณฑ์ (Mbps)", p.required_mbps],
                ["นักเรียนต่ออุปกรณ์เพื่อการเรียน 1 เครื่อง", p.pupils_per_learning_device],
              ], []);
            });
            links.addLayer(marker);
          });
          state.loaded[config.connectivity.layer] = collection.features.length;
        }).catch(function (error) { fail(linkTitle, error); }));
    }

    // Children not served: counts per village for everyone; names in view for roles allowed.
    config.unserved.forEach(function (kind) {
      villageCounts(kind.label_th, kind.shown, ["#b2182b", "#e0a0a0"],
        "/api/v1/map-layers/villages?" + round + "&" + area + "&flag=" + kind.flag,
        "villages_" + kind.flag,
        function (p) {
          return { tooltip: shown(p.children) + " คน", rows: [[kind.label_th, p.children]] };
        });

      if (!config.named) return;
      // Thousands of markers are added in chunks between frames; the features (what tests and
      // the legend read) are published only once the last chunk is on the map.
      var chunksDone = null;
      var named = L.markerClusterGroup({
        maxClusterRadius: 40,
        chunkedLoading: true,
        chunkProgress: function (processed, total) {
          if (processed === total && chunksDone) {
            var done = chunksDone;
            chunksDone = null;
            done();
          }
        },
      });
      var entry = { layer: named, features: [], fetchedFor: null, status: "ซูมเข้าเพื่อดูรายชื่อ" };
      state.named[kind.flag] = entry;
      add(named, kind.label_th + " (รายชื่อ เมื่อซูมเข้า)", kind.shown);
      legend.sections.push({
        layer: named,
        title: kind.label_th + " รายคน (ข้อมูลส่วนบุคคล บันทึกการเข้าถึง)",
        items: [["#67000d", "บ้านของเด็ก", "edumap-dot"]],
        note: function () { return entry.status; },
      });
      entry.refresh = function () {
        if (!map.hasLayer(named)) return Promise.resolve();
        if (map.getZoom() < config.named_min_zoom) {
          named.clearLayers();
          entry.features = [];
          entry.fetchedFor = null;
          entry.status = "ซูมเข้าถึงระดับ " + config.named_min_zoom + " เพื่อดูรายชื่อ";
          legend.render(map);
          return Promise.resolve();
        }
        if (entry.fetchedFor && entry.fetchedFor.contains(map.getBounds())) {
          return Promise.resolve();
        }
        var view = map.getBounds().pad(0.3);
        var bbox = [view.getWest(), view.getSouth(), view.getEast(), view.getNorth()]
          .map(function (v) { return v.toFixed(5); }).join(",");
        entry.status = "กำลังโหลดรายชื่อ…";
        legend.render(map);
        return getJson("/api/v1/map-layers/children?" + round + "&" + area + "&flag=" +
                       kind.flag + "&bbox=" + bbox).then(function (collection) {
          named.clearLayers();
          entry.features = [];
          entry.fetchedFor = view;
          entry.bbox = bbox.split(",").map(Number);
          var added = new Promise(function (resolve) { chunksDone = resolve; });
          named.addLayers(collection.features.map(function (feature) {
            var p = feature.properties;
            var c = feature.geometry.coordinates;
            var marker = L.circleMarker([c[1], c[0]], {
              renderer: namedCanvas, radius: 5, color: "#fff", weight: 1.5, fillColor: "#67000d",
              fillOpacity: 0.9,
            });
            marker.bindTooltip(el("div", null, p.name), { sticky: true });
            marker.on("click", function () {
              panel.show(p.name, kind.label_th, [
                ["ชั้นที่ควรเรียน", p.grade_th],
                ["สถานะ", config.statuses_th[p.enrolment_status] || p.enrolment_status],
                ["สาเหตุที่ไม่ได้เรียน", p.reason],
                ["บ้านเลขที่", p.house_number],
                ["หมู่บ้าน", (p.village_name_th || "-") + " หมู่ " + shown(p.moo)],
                ["ตำบล", p.subdistrict_name_th],
              ], []);
            });
            return marker;
          }));
          return added.then(function () {
            entry.features = collection.features;
            entry.status = "แสดง " + number.format(collection.features.length) +
              " คนในกรอบแผนที่" + (collection.truncated ? " (บางส่วน ซูมเข้าเพื่อดูทั้งหมด)" : "");
            legend.render(map);
          });
        }).catch(function (error) {
          entry.status = "โหลดรายชื่อไม่ได้: " + error.message;
          legend.render(map);
        });
      };
    });

    function refreshNamed() {
      return Promise.all(Object.keys(state.named).map(function (flag) {
        return state.named[flag].refresh();
      }));
    }
    map.on("moveend overlayadd", refreshNamed);
    map.on("overlayadd overlayremove", function () { legend.render(map); });

    var tambonsByCode = {};
    tambons.on("layeradd", function (event) {
      if (event.layer.feature) tambonsByCode[event.layer.feature.id] = event.layer;
    });
    // The texts of every tooltip drawn now (each set as text).
    state.tooltips = function () {
      var texts = [];
      function walk(layer) {
        if (layer.eachLayer) layer.eachLayer(walk);
        var tip = layer.getTooltip && layer.getTooltip();
        if (tip) {
          var content = tip.getContent();
          texts.push(typeof content === "string" ? "HTML:" + content : content.textContent);
        }
      }
      map.eachLayer(walk);
      return texts;
    };
    state.click = function (kind, code) {
      var layer = kind === "school" ? schoolsByCode[code] : tambonsByCode[code];
      if (!layer) return false;
      var at = layer.getLatLng ? layer.getLatLng() : layer.getBounds().getCenter();
      layer.fire("mouseover", { latlng: at });
      layer.fire("click", { latlng: at });
      return true;
    };

    new SearchBox(map, area, function (place) {
      if (place.bbox) {
        map.fitBounds([[place.bbox[1], place.bbox[0]], [place.bbox[3], place.bbox[2]]]);
      } else {
        map.setView([place.lat, place.lon], Math.max(map.getZoom(), 14));
      }
      var marker = schoolsByCode[place.code];
      if (place.kind === "school" && marker) showSchool(marker.feature.properties);
    });

    legend.render(map);
    Promise.all(pending).then(function () {
      syncLabels();
      legend.render(map);
      return refreshNamed();
    }).then(function () { state.ready = true; });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
