// The ICT pages: report a problem or the link's state (a school, or the office for it), and
// the office's steps on a ticket (take it, record the repair, close it). Everything goes to
// /api/v1/ict with the page's CSRF token; the page reloads to show the new state.
(function () {
  "use strict";
  const section = document.getElementById("ict");
  const csrf = section.dataset.csrf;
  const message = document.getElementById("message");

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    });
    let answer = {};
    try { answer = await response.json(); } catch (error) { answer = {}; }
    if (response.ok) { window.location.reload(); return; }
    message.textContent = "ไม่สำเร็จ: " + (answer.detail || response.status);
  }

  for (const button of document.querySelectorAll("button[data-post]")) {
    button.addEventListener("click", () => post(button.dataset.post, JSON.parse(button.dataset.body)));
  }
  for (const form of document.querySelectorAll("form.repaired")) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const cost = form.elements.cost_baht.value.trim() || "0";
      if (!/^[0-9]+$/.test(cost)) { message.textContent = "ค่าใช้จ่ายเป็นตัวเลขจำนวนเต็ม"; return; }
      post(form.dataset.post, { action: form.elements.action.value, cost_baht: Number(cost) });
    });
  }

  const problem = document.getElementById("report-problem");
  if (problem) problem.addEventListener("submit", (event) => {
    event.preventDefault();
    const [subject, id] = problem.elements.target.value.split(":");
    const body = { school_code: section.dataset.school, subject, problem: problem.elements.problem.value };
    if (id) body[subject + "_id"] = Number(id);
    post("/api/v1/ict/repairs", body);
  });

  const status = document.getElementById("link-status");
  if (status) status.addEventListener("submit", (event) => {
    event.preventDefault();
    const speed = status.elements.measured_mbps.value.trim();
    if (speed && !/^[0-9]+(\.[0-9]+)?$/.test(speed)) { message.textContent = "ความเร็วเป็นตัวเลข"; return; }
    post("/api/v1/ict/link-status", {
      school_code: section.dataset.school,
      measured_at: new Date().toISOString(),
      up: status.elements.up.value === "true",
      measured_mbps: speed ? Number(speed) : null,
    });
  });
})();
