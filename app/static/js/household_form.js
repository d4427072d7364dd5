// The household form as a surveyor thinks: tambon and village by name (moo from the village),
// the phone's GPS position, one block per child checked as it is typed by the server's own rules
// (POST /api/v1/census/children/check), the schools near the home that teach the child's grade,
// and messages in Thai beside their field. The household keeps one UUID until it is stored, so a
// resend after a dropped connection (or a double tap) stores it once. With no signal the page
// still opens (a service worker keeps it) and a saved household waits on this device
// (household_outbox.js) until the connection returns; the page says how many wait.
(function () {
  "use strict";
  const form = document.getElementById("household");
  const result = document.getElementById("result");
  const childrenBox = document.getElementById("children");
  const template = document.getElementById("child-template");
  const save = document.getElementById("save");
  const places = JSON.parse(document.getElementById("edumap-places").textContent);
  const field = (name) => form.elements[name];
  const csrf = field("csrf_token").value;
  const round = Number(field("round").value);
  field("uuid").value = crypto.randomUUID();

  function option(value, text) {
    const node = document.createElement("option");
    node.value = value;
    node.textContent = text;
    return node;
  }

  // --- where: tambon, village, moo, GPS ----------------------------------------------------
  const tambonSelect = field("subdistrict_code");
  const villageSelect = field("village");
  const tambons = new Map(places.tambons.map((t) => [t.code, t]));
  tambonSelect.replaceChildren(option("", places.tambons.length ? "เลือกตำบล" : "ไม่มีตำบลที่ได้รับมอบหมาย"));
  for (const t of places.tambons) tambonSelect.appendChild(option(t.code, `ต.${t.name_th} อ.${t.district_name_th}`));
  if (places.tambons.length === 1) tambonSelect.value = places.tambons[0].code;

  function villages() {
    const tambon = tambons.get(tambonSelect.value);
    return tambon ? tambon.villages : [];
  }

  function fillVillages() {
    const list = villages();
    villageSelect.replaceChildren(option("", list.length ? "เลือกหมู่บ้าน" : "-"));
    list.forEach((v, i) => villageSelect.appendChild(
      option(String(i), v.moo ? `หมู่ ${v.moo} ${v.name_th}` : v.name_th)));
    document.getElementById("village-label").hidden = list.length === 0;
    showMoo();
    updateSchools();
  }

  // The moo comes from the village; typed only where the village's moo is not known.
  function showMoo() {
    const village = villages()[Number(villageSelect.value)];
    field("moo").value = village && village.moo ? village.moo : "";
    document.getElementById("moo-label").hidden = Boolean(village && village.moo) ||
      (villages().length > 0 && !village);
  }
  tambonSelect.addEventListener("change", fillVillages);
  villageSelect.addEventListener("change", () => {
    showMoo();
    updateSchools();
  });

  document.getElementById("gps").addEventListener("click", () => {
    const status = document.getElementById("gps_status");
    if (!navigator.geolocation) { status.textContent = "เครื่องนี้ไม่มี GPS"; return; }
    status.textContent = "กำลังหาตำแหน่ง...";
    navigator.geolocation.getCurrentPosition((p) => {
      field("lat").value = p.coords.latitude;
      field("lon").value = p.coords.longitude;
      field("accuracy_m").value = Math.round(p.coords.accuracy);
      status.textContent = `ได้ตำแหน่งแล้ว (คลาดเคลื่อนไม่เกิน ${Math.round(p.coords.accuracy)} เมตร)`;
      updateSchools();
    }, (e) => { status.textContent = `หาตำแหน่งไม่ได้: ${e.message}`; },
    { enableHighAccuracy: true, timeout: 20000 });
  });

  // Where the home is: the GPS point, else the village's point.
  function home() {
    if (field("lat").value) return [Number(field("lat").value), Number(field("lon").value)];
    const village = villages()[Number(villageSelect.value)];
    return village ? [village.lat, village.lon] : null;
  }

  function distanceKm(a, b) {
    const rad = Math.PI / 180;
    const dLat = (b[0] - a[0]) * rad, dLon = (b[1] - a[1]) * rad;
    const h = Math.sin(dLat / 2) ** 2 +
      Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.sin(dLon / 2) ** 2;
    return 12742 * Math.asin(Math.sqrt(h));
  }

  // --- children ------------------------------------------------------------------------------
  function blocks() { return [...childrenBox.querySelectorAll("fieldset.child")]; }

  function renumber() {
    blocks().forEach((block, i) => {
      block.querySelector(".child-number").textContent = String(i + 1);
      block.querySelector(".remove-child").hidden = blocks().length === 1;
    });
  }

  function value(block, name) {
    const input = block.querySelector(`[name="${name}"]`);
    const text = input ? input.value.trim() : "";
    return text || null;
  }

  function childBody(block) {
    const child = {};
    for (const name of ["national_id", "g_code", "title", "first_name", "last_name", "sex",
                        "birth_date", "guardian_name", "enrolment_status", "school_code",
                        "not_enrolled_reason"]) {
      const v = value(block, name);
      if (v !== null) child[name] = v;
    }
    return child;
  }

  function showProblems(block, problems, fields) {
    for (const small of block.querySelectorAll(".field-error")) {
      if (!fields || fields.includes(small.dataset.field)) small.textContent = "";
    }
    for (const p of problems) {
      if (fields && !fields.includes(p.field)) continue;
      const small = block.querySelector(`.field-error[data-field="${p.field}"]`);
      if (small) small.textContent = p.message;
    }
  }

  function updateSchoolsOf(block) {
    const select = block.querySelector('[name="school_code"]');
    const chosen = select.value;
    const grade = block.dataset.expectedGrade || null;
    const at = home();
    const teaching = places.schools.filter((s) => !grade || s.grades.includes(grade));
    const ranked = teaching
      .map((s) => ({ s, km: at ? distanceKm(at, [s.lat, s.lon]) : null }))
      .sort((a, b) => (a.km ?? 0) - (b.km ?? 0) || a.s.name_th.localeCompare(b.s.name_th, "th"))
      .slice(0, 12);
    const labels = ranked.map(({ s, km }) =>
      [s.code, km === null ? s.name_th : `${s.name_th} (${km.toFixed(1)} กม.)`]);
    const signature = JSON.stringify(labels);
    if (select.dataset.offered !== signature) {  // rebuilt only when the list changes
      select.dataset.offered = signature;
      select.replaceChildren(option("", "-"));
      for (const [code, label] of labels) select.appendChild(option(code, label));
      if (chosen) select.value = chosen;
    }
    const status = value(block, "enrolment_status");
    block.querySelector(".school-field").hidden = !(status === "กำลังเรียน" || status === "เรียนนอกเขต");
    block.querySelector(".reason-field").hidden = status !== "ไม่ได้เรียน";
  }

  function updateSchools() { blocks().forEach(updateSchoolsOf); }

  // The fields a check speaks about while the child is typed (the rest on saving).
  const CHECKED = ["national_id", "g_code", "birth_date", "enrolment_status", "school_code"];

  async function check(block) {
    const asked = (block.checks = (block.checks || 0) + 1);
    block.dataset.checking = "yes";  // until the answer is shown
    let answer;
    try {
      const response = await fetch("/api/v1/census/children/check", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ round, child: childBody(block) }),
      });
      if (!response.ok) { delete block.dataset.checking; return; }  // the save will say
      answer = await response.json();
    } catch (error) { delete block.dataset.checking; return; }  // offline: the save will say
    if (asked !== block.checks) return;  // a later check answered first
    delete block.dataset.checking;
    const typed = CHECKED.filter((name) => value(block, name) !== null);
    showProblems(block, answer.problems, typed);
    const line = block.querySelector(".assessment");
    const a = answer.assessment;
    if (a) {
      block.dataset.expectedGrade = a.expected_grade || "";
      line.textContent = (a.expected_grade_th ? `ควรเรียนชั้น ${a.expected_grade_th}` : a.stage_th) +
        ` (อายุ ${a.age_on_cutoff} ปี ณ 16 พ.ค.)` +
        (a.compulsory_age ? " · อยู่ในเกณฑ์การศึกษาภาคบังคับ" : "") +
        (a.out_of_school && value(block, "enrolment_status") ? " · นอกระบบการศึกษา" : "");
    } else {
      block.dataset.expectedGrade = "";
      line.textContent = "";
    }
    updateSchoolsOf(block);
  }

  function addChild() {
    const block = template.content.firstElementChild.cloneNode(true);
    childrenBox.appendChild(block);
    block.querySelector(".remove-child").addEventListener("click", () => { block.remove(); renumber(); });
    for (const name of CHECKED) {
      block.querySelector(`[name="${name}"]`).addEventListener("change", () => check(block));
    }
    block.querySelector('[name="enrolment_status"]').addEventListener("change", () => updateSchoolsOf(block));
    renumber();
    updateSchoolsOf(block);
    return block;
  }
  document.getElementById("add-child").addEventListener("click", () => {
    addChild().querySelector('[name="national_id"]').focus();
  });
  addChild();
  fillVillages();

  // --- saving --------------------------------------------------------------------------------
  function householdBody() {
    const at = field("lat").value ? { lat: Number(field("lat").value), lon: Number(field("lon").value),
                                      accuracy_m: Number(field("accuracy_m").value) } : null;
    const village = villages()[Number(villageSelect.value)];
    return {
      uuid: field("uuid").value, round,
      subdistrict_code: tambonSelect.value || null,
      village_code: village && village.code ? village.code : null,
      moo: field("moo").value ? Number(field("moo").value) : null,
      house_number: field("house_number").value.trim() || null,
      house_code: field("house_code").value.trim() || null,
      location: at,
      children: blocks().map(childBody),
    };
  }

  function showSaveProblems(errors) {
    for (const small of form.querySelectorAll(".field-error")) small.textContent = "";
    const general = [];
    for (const e of errors) {
      const name = (e.field || "").replace(/^body\./, "");
      const match = /^children\.(\d+)\.(\w+)$/.exec(name);
      const where = match
        ? blocks()[Number(match[1])]?.querySelector(`.field-error[data-field="${match[2]}"]`)
        : form.querySelector(`.field-error[data-field="${name}"]`);
      if (where) where.textContent = e.message; else general.push(e.message);
    }
    return general;
  }

  function nextHousehold() {
    field("uuid").value = crypto.randomUUID();  // the next household is a new one
    childrenBox.replaceChildren();
    addChild();
    field("house_number").value = "";
    field("house_code").value = "";
    for (const name of ["lat", "lon", "accuracy_m"]) field(name).value = "";
    document.getElementById("gps_status").textContent = "";
  }

  // One household to the server: stored (201, or 200 when it was already), refused with the
  // server's reasons, signed out, or unreachable (no signal, or a server that does not answer).
  async function send(body) {
    let response;
    try {
      response = await fetch("/api/v1/census/households", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify(body),
      });
    } catch (error) {
      return { outcome: "unreachable" };
    }
    if (response.status >= 500) return { outcome: "unreachable" };
    const answer = await response.json().catch(() => ({}));
    if (response.ok) return { outcome: "stored", created: response.status === 201, answer };
    if (response.status === 401) return { outcome: "signed_out", answer };
    return { outcome: "refused", answer };
  }

  function refusal(answer) {
    const reasons = (answer.errors || []).map((e) => e.message);
    return reasons.join("; ") || answer.detail || "ระบบไม่รับข้อมูลนี้";
  }

  // --- households waiting on this device ----------------------------------------------------
  const outbox = window.edumapOutbox;
  const outboxBox = document.getElementById("outbox");
  const outboxNote = document.querySelector("#outbox-note small");
  let flushing = null;

  async function showOutbox() {
    const entries = await outbox.all();
    const held = entries.filter((e) => e.error);
    const waiting = entries.length - held.length;
    outboxBox.hidden = entries.length === 0;
    outboxBox.dataset.waiting = String(waiting);
    outboxBox.dataset.held = String(held.length);
    document.getElementById("outbox-count").textContent =
      `รอส่ง ${waiting} ครัวเรือน` + (held.length ? ` · ต้องแก้ไข ${held.length} ครัวเรือน` : "");
    const list = document.getElementById("outbox-held");
    list.replaceChildren();
    for (const entry of held) {
      const item = document.createElement("li");
      const what = document.createElement("span");
      what.textContent = `บ้านเลขที่ ${entry.body.house_number || "-"}: ${entry.error} `;
      const open = document.createElement("button");
      open.type = "button";
      open.className = "secondary";
      open.textContent = "เปิดแก้ไข";
      open.addEventListener("click", () => reopen(entry));
      item.append(what, open);
      list.appendChild(item);
    }
  }

  // Send what waits, oldest first; stop at the first sign of no signal (or no session).
  function flush() {
    if (!flushing) {
      flushing = (async () => {
        for (const entry of await outbox.all()) {
          if (entry.error) continue;  // waits for the surveyor to correct it
          const sent = await send(entry.body);
          if (sent.outcome === "unreachable") {
            outboxNote.textContent = "ยังไม่มีสัญญาณ ข้อมูลยังอยู่ในเครื่องนี้ จะส่งให้อีกครั้ง";
            break;
          }
          if (sent.outcome === "signed_out") {
            outboxNote.textContent = "เข้าสู่ระบบอีกครั้งแล้วเปิดหน้านี้ ระบบจะส่งให้ (ข้อมูลยังอยู่ในเครื่องนี้)";
            break;
          }
          if (sent.outcome === "stored") await outbox.remove(entry.uuid);
          else await outbox.put({ ...entry, error: refusal(sent.answer) });
          outboxNote.textContent = "";
        }
        await showOutbox();
      })().finally(() => { flushing = null; });
    }
    return flushing;
  }

  // A household the server refused goes back into the form to be corrected; it keeps its UUID
  // and leaves the device's list once it is stored.
  function reopen(entry) {
    const body = entry.body;
    field("uuid").value = body.uuid;
    tambonSelect.value = body.subdistrict_code || "";
    fillVillages();
    const index = villages().findIndex((v) => v.code && v.code === body.village_code);
    villageSelect.value = index >= 0 ? String(index) : "";
    showMoo();
    if (body.moo) field("moo").value = body.moo;
    field("house_number").value = body.house_number || "";
    field("house_code").value = body.house_code || "";
    const at = body.location || {};
    field("lat").value = at.lat ?? "";
    field("lon").value = at.lon ?? "";
    field("accuracy_m").value = at.accuracy_m ?? "";
    childrenBox.replaceChildren();
    for (const child of body.children) {
      const block = addChild();
      for (const [name, value] of Object.entries(child)) {
        const input = block.querySelector(`[name="${name}"]`);
        if (input && name !== "school_code") input.value = value;
      }
      updateSchoolsOf(block);
      const school = block.querySelector('[name="school_code"]');
      if (child.school_code && ![...school.options].some((o) => o.value === child.school_code)) {
        school.appendChild(option(child.school_code, child.school_code));
      }
      school.value = child.school_code || "";
      check(block);
    }
    if (!body.children.length) addChild();
    result.textContent = entry.error;
    form.scrollIntoView();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (save.disabled) return;  // already sending this household
    save.disabled = true;
    result.textContent = "กำลังบันทึก...";
    const body = householdBody();
    try {
      const sent = navigator.onLine ? await send(body) : { outcome: "unreachable" };
      if (sent.outcome === "stored") {
        const stored = sent.answer.children ? sent.answer.children.length : blocks().length;
        result.textContent = (sent.created ? "บันทึกแล้ว" : "บันทึกไว้แล้วก่อนหน้านี้") +
          ` (เด็ก ${stored} คน)`;
        await outbox.remove(body.uuid);  // it may have been a corrected one from the list
        nextHousehold();
        flush();
      } else if (sent.outcome === "unreachable" || sent.outcome === "signed_out") {
        await outbox.put({ uuid: body.uuid, body, saved_at: new Date().toISOString() });
        result.textContent = sent.outcome === "signed_out"
          ? "บันทึกไว้ในเครื่องนี้แล้ว เข้าสู่ระบบอีกครั้งเพื่อส่ง"
          : "ไม่มีสัญญาณ: บันทึกไว้ในเครื่องนี้แล้ว จะส่งให้เองเมื่อมีสัญญาณ";
        nextHousehold();
        await showOutbox();
      } else {
        const general = showSaveProblems(sent.answer.errors || []);
        result.textContent = "ยังบันทึกไม่ได้: " + (general.join("; ") || sent.answer.detail ||
          "แก้ช่องที่มีข้อความสีแดง");
      }
    } catch (error) {
      result.textContent = "บันทึกไม่สำเร็จ: " + error;
    } finally {
      save.disabled = false;
    }
  });

  document.getElementById("send-now").addEventListener("click", flush);
  window.addEventListener("online", flush);
  setInterval(() => { if (navigator.onLine) flush(); }, 20000);
  showOutbox().then(() => { if (navigator.onLine) flush(); });
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/census/households/sw.js").catch((error) => {
      outboxNote.textContent = `หน้านี้จะเปิดไม่ได้เมื่อไม่มีสัญญาณ (${error.message})`;
    });
  }
})();
