// Add an office's XLSForm from the forms page: POST /api/v1/forms with the page's CSRF token;
// the answer (or the reason it was refused, pyxform's message included) is shown as text.
(function () {
  "use strict";
  const form = document.getElementById("add-form");
  const result = document.getElementById("add-result");
  const csrf = form.elements.csrf_token.value;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = new FormData();
    body.append("file", form.elements.file.files[0]);
    for (const box of form.querySelectorAll('[name="roles"]:checked')) body.append("roles", box.value);
    for (const user of form.elements.users.value.split(",").map((u) => u.trim()).filter(Boolean)) {
      body.append("users", user);
    }
    result.textContent = "กำลังตรวจแบบสำรวจ...";
    try {
      const response = await fetch("/api/v1/forms", {
        method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf }, body,
      });
      const answer = await response.json();
      if (response.ok) {
        result.textContent = `เพิ่มแล้ว: ${answer.title} (${answer.form_id} รุ่น ${answer.version})` +
          (answer.warnings.length ? ` คำเตือน: ${answer.warnings.join("; ")}` : "");
        setTimeout(() => window.location.reload(), 1500);
      } else {
        result.textContent = "เพิ่มไม่ได้: " + (answer.detail || response.status);
      }
    } catch (error) {
      result.textContent = "ส่งไม่สำเร็จ: " + error.message;
    }
  });
})();
