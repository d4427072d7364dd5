// ODK Web Forms (ODK's own form engine and its Vue components) with a form edumap serves: the
// test hands it the XForm and its attachments as Collect would download them, fills the form
// through the page, and reads back the submission XML the engine produced.
import { createApp, h } from "vue";
import { OdkWebForm, webFormsPlugin } from "/node_modules/@getodk/web-forms/dist/index.js";

window.harness = { submitted: null, loaded: false };

window.startForm = (formXml, attachments) => {
  const fetchFormAttachment = async (url) => {
    const name = String(url.href || url).split("/").pop();
    if (!(name in attachments)) return new Response("", { status: 404 });
    return new Response(attachments[name], { headers: { "Content-Type": "text/csv" } });
  };
  const onSubmit = async (payload, callback) => {
    const data = Array.isArray(payload.data) ? payload.data[0] : payload.data;
    window.harness.submitted = await data.get("xml_submission_file").text();
    callback({ status: "success" });
  };
  const app = createApp({
    render: () => h(OdkWebForm, { formXml, fetchFormAttachment, onSubmit }),
  });
  app.use(webFormsPlugin);
  app.mount("#app");
  window.harness.loaded = true;
};
