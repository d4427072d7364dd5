// Upload a census file, then poll its import job and show the per-row report.
(function () {
  const form = document.getElementById("upload");
  const status = document.getElementById("status");
  const table = document.getElementById("report");
  const links = document.getElementById("links");
  const csrf = form.querySelector("[name=csrf_token]").value;
  // The job states' Thai labels, from edumap's one vocabulary (a JSON block of the page).
  const states = JSON.parse(document.getElementById("edumap-labels").textContent).import_job_state;

  function show(job) {
    const report = job.report || {};
    status.textContent = `${states[job.state] || job.state}: อ่านแล้ว ${job.rows_read} แถว` +
      (report.error_count !== undefined ? `, แถวที่ผิด ${report.rows_rejected}` : "") +
      (report.stored ? `, บันทึกเด็กใหม่ ${report.children_new} คน` : "") +
      (report.error ? ` — ${report.error}` : "");
    const body = table.querySelector("tbody");
    body.replaceChildren();
    for (const e of report.errors || []) {
      const row = document.createElement("tr");
      const field = e.field_th && e.field_th !== e.field ? `${e.field_th} (${e.field})` : e.field;
      for (const value of [e.row, field, e.value || "", e.message]) {
        const cell = document.createElement("td");
        cell.textContent = value;  // never innerHTML: the values come from the file
        row.appendChild(cell);
      }
      body.appendChild(row);
    }
    table.hidden = !(report.errors && report.errors.length);
    links.replaceChildren();
    if (report.errors && report.errors.length) {
      const a = document.createElement("a");
      a.href = job.report_csv; a.textContent = "ดาวน์โหลดรายงาน (CSV)";
      links.appendChild(a);
    }
  }

  async function poll(url) {
    const response = await fetch(url, {credentials: "same-origin"});
    const job = await response.json();
    show(job);
    if (job.state === "queued" || job.state === "running") setTimeout(() => poll(url), 500);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.textContent = "กำลังส่งไฟล์...";
    const response = await fetch(form.action, {method: "POST", body: new FormData(form),
      headers: {"X-CSRF-Token": csrf}, credentials: "same-origin"});
    const body = await response.json();
    if (!response.ok) { status.textContent = body.detail || "ส่งไม่สำเร็จ"; return; }
    poll(body.poll);
  });
})();
