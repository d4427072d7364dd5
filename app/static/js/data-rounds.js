// Open a data round from the rounds page: POST /api/v1/data-rounds with the page's CSRF token;
// the new round's page opens, or the reason it was refused is shown as text.
(function () {
  "use strict";
  const form = document.getElementById("new-round");
  const result = document.getElementById("new-round-result");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = form.elements;
    const body = {
      title_th: fields.title_th.value.trim(),
      kind: fields.kind.value,
      academic_year: Number(fields.academic_year.value),
      counting_day: fields.counting_day.value,
      opens_on: fields.opens_on.value,
      deadline: fields.deadline.value,
    };
    const response = await fetch("/api/v1/data-rounds", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": form.dataset.csrf },
      body: JSON.stringify(body),
    });
    let answer = {};
    try { answer = await response.json(); } catch (error) { answer = {}; }
    if (response.ok) window.location.assign("/data-rounds/" + answer.id);
    else result.textContent = "เปิดรอบไม่ได้: " + (answer.detail || response.status);
  });
})();
