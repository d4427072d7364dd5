// A school's figures in a data round: save a draft (sent with the version the page read, so a
// save from an older tab is refused and says so), submit (the rules' errors and the warnings
// that need an explanation are shown beside their fields), and the office's accept, return
// and reopen. Everything goes through /api/v1/data-rounds with the page's CSRF token.
(function () {
  "use strict";
  const section = document.getElementById("round-part");
  const url = section.dataset.url;
  const csrf = section.dataset.csrf;
  let version = Number(section.dataset.version);
  const message = document.getElementById("message");
  const form = document.getElementById("figures");

  function values() {
    const found = {};
    for (const input of form.querySelectorAll("input[name*='.']")) {
      if (input.name.startsWith("explain.") || input.value.trim() === "") continue;
      const [item, field] = input.name.split(".");
      (found[item] = found[item] || {})[field] = Number(input.value.trim());
    }
    return found;
  }

  function explanations() {
    const found = {};
    for (const input of form.querySelectorAll("input[name^='explain.']")) {
      if (input.value.trim()) found[input.name.slice("explain.".length)] = input.value.trim();
    }
    return found;
  }

  function clearErrors() {
    for (const span of section.querySelectorAll(".field-error")) span.textContent = "";
  }

  function badNumbers() {
    let bad = false;
    for (const input of form.querySelectorAll("input[inputmode='numeric']")) {
      const ok = input.value.trim() === "" || /^[0-9]{1,6}$/.test(input.value.trim());
      const span = section.querySelector(`.field-error[data-for="${input.name}"]`);
      if (span) span.textContent = ok ? "" : "ตัวเลขจำนวนเต็มเท่านั้น";
      bad = bad || !ok;
    }
    return bad;
  }

  async function call(method, path, body) {
    const response = await fetch(url + path, {
      method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    });
    let answer = {};
    try { answer = await response.json(); } catch (error) { answer = {}; }
    return { ok: response.ok, status: response.status, answer };
  }

  function showProblems(answer) {
    const lines = [];
    for (const problem of answer.errors || []) {
      const span = section.querySelector(`.field-error[data-for="${problem.field.replace(/^values\./, "")}"]`);
      if (span) span.textContent = problem.message;
      lines.push(problem.message);
    }
    message.textContent = lines.length ? "ยังส่งไม่ได้: " + lines.join(" · ") : (answer.detail || "ไม่สำเร็จ");
  }

  async function save() {
    clearErrors();
    if (badNumbers()) { message.textContent = "ตรวจตัวเลขที่ระบุสีแดง"; return false; }
    const result = await call("PUT", "", { version, values: values() });
    if (result.ok) {
      version = result.answer.version;
      message.textContent = "บันทึกร่างแล้ว";
      return true;
    }
    if (result.status === 409) message.textContent = result.answer.detail;
    else showProblems(result.answer);
    return false;
  }

  const saveButton = document.getElementById("save");
  if (saveButton) saveButton.addEventListener("click", () => { save(); });
  const submitButton = document.getElementById("submit");
  if (submitButton) submitButton.addEventListener("click", async () => {
    if (!(await save())) return;
    const result = await call("POST", "/submit", { version, explanations: explanations() });
    if (result.ok) { window.location.reload(); return; }
    if (result.status === 409) { message.textContent = result.answer.detail; return; }
    showProblems(result.answer);
    // A warning needing an explanation: ask for it beside the rule's message.
    for (const problem of result.answer.errors || []) {
      if (!problem.field.startsWith("explanations.")) continue;
      const rule = problem.field.slice("explanations.".length);
      if (form.querySelector(`input[name="explain.${rule}"]`)) continue;
      const line = document.createElement("p");
      line.className = "warning";
      line.textContent = problem.message + " ";
      const label = document.createElement("label");
      label.textContent = "คำอธิบาย ";
      const input = document.createElement("input");
      input.name = "explain." + rule;
      label.appendChild(input);
      line.appendChild(label);
      document.getElementById("rules").appendChild(line);
    }
  });

  const uploadButton = document.getElementById("upload-file");
  if (uploadButton) uploadButton.addEventListener("click", async () => {
    const file = document.querySelector("#upload input[name='file']").files[0];
    if (!file) { message.textContent = "เลือกไฟล์ก่อน"; return; }
    const body = new FormData();
    body.append("file", file);
    const response = await fetch(section.dataset.imports, {
      method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf }, body,
    });
    let answer = {};
    try { answer = await response.json(); } catch (error) { answer = {}; }
    if (response.ok) window.location.reload();
    else message.textContent = "นำเข้าไม่ได้: " + (answer.detail || response.status);
  });

  function review(id, path, body) {
    const button = document.getElementById(id);
    if (!button) return;
    button.addEventListener("click", async () => {
      const result = await call("POST", path, body());
      if (result.ok) window.location.reload();
      else message.textContent = result.answer.detail || "ไม่สำเร็จ";
    });
  }
  const note = () => (document.querySelector("#review textarea[name='note']") || {}).value || "";
  review("accept", "/accept", () => ({}));
  review("return", "/return", () => ({ note: note(), comments: {} }));
  review("reopen", "/reopen", () => ({
    reason: document.querySelector("#reopen-form input[name='reason']").value,
  }));
})();
