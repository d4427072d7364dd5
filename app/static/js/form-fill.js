// An office form in the browser: ODK Web Forms (ODK's own form engine, vendored in
// /static/vendor/web-forms) draws the XForm edumap keeps; a finished form is sent as Collect
// sends it (multipart, xml_submission_file and files) to /api/v1/forms/{id}/submissions.
import { createApp, h } from "/static/vendor/vue/vue.runtime.esm-browser.prod.js";
import {
  OdkWebForm,
  POST_SUBMIT__NEW_INSTANCE,
  webFormsPlugin,
} from "/static/vendor/web-forms/index.js";

const config = JSON.parse(document.getElementById("edumap-form").textContent);
const status = document.getElementById("form-status");
// What the page has sent, for people debugging it and for the browser tests.
window.edumapForm = { sent: [] };

async function onSubmit(payload, callback) {
  const data = Array.isArray(payload.data) ? payload.data[0] : payload.data;
  status.textContent = "กำลังส่ง...";
  try {
    const response = await fetch(`/api/v1/forms/${encodeURIComponent(config.form_id)}/submissions`, {
      method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": config.csrf },
      body: data,
    });
    const answer = await response.json().catch(() => ({}));
    if (response.ok) {
      status.textContent = response.status === 201 ? "ส่งแล้ว เริ่มแบบใหม่ได้" : "ส่งไว้แล้วก่อนหน้านี้";
      window.edumapForm.sent.push(answer.instance_id);
      callback({ next: POST_SUBMIT__NEW_INSTANCE });  // an empty form for the next one
    } else {
      status.textContent = "ส่งไม่ได้: " + (answer.detail || response.status);
      callback();
    }
  } catch (error) {
    status.textContent = "ส่งไม่สำเร็จ (ไม่มีสัญญาณ?) กดส่งอีกครั้งเมื่อมีสัญญาณ: " + error.message;
    callback();
  }
}

createApp({
  render: () => h(OdkWebForm, {
    formXml: config.xform,
    fetchFormAttachment: async () => new Response("", { status: 404 }),  // no media files
    onSubmit,
  }),
}).use(webFormsPlugin).mount("#odk-form");
