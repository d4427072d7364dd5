// The household form: takes the phone's GPS position, sends the household as JSON with its
// own UUID, so sending again after a dropped connection stores it once.
(function () {
  const form = document.getElementById("household");
  const result = document.getElementById("result");
  const field = (name) => form.elements[name];
  field("uuid").value = crypto.randomUUID();

  document.getElementById("gps").addEventListener("click", () => {
    const status = document.getElementById("gps_status");
    if (!navigator.geolocation) { status.textContent = "เครื่องนี้ไม่มี GPS"; return; }
    status.textContent = "กำลังหาตำแหน่ง...";
    navigator.geolocation.getCurrentPosition((p) => {
      field("lat").value = p.coords.latitude;
      field("lon").value = p.coords.longitude;
      field("accuracy_m").value = Math.round(p.coords.accuracy);
      status.textContent = `ได้ตำแหน่งแล้ว (±${Math.round(p.coords.accuracy)} ม.)`;
    }, (e) => { status.textContent = `หาตำแหน่งไม่ได้: ${e.message}`; },
    {enableHighAccuracy: true, timeout: 20000});
  });

  const value = (name) => field(name).value.trim() || null;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {
      uuid: value("uuid"), round: Number(value("round")),
      subdistrict_code: value("subdistrict_code"),
      moo: value("moo") ? Number(value("moo")) : null,
      house_number: value("house_number"), house_code: value("house_code"),
      location: value("lat") ? {lat: Number(value("lat")), lon: Number(value("lon")),
                                accuracy_m: Number(value("accuracy_m"))} : null,
      children: [{national_id: value("national_id"), title: value("title"),
                  first_name: value("first_name"), last_name: value("last_name"),
                  sex: value("sex"), birth_date: value("birth_date"),
                  guardian_name: value("guardian_name"),
                  enrolment_status: value("enrolment_status"), school_code: value("school_code")}],
    };
    const response = await fetch("/api/v1/census/households", {method: "POST",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": value("csrf_token")},
      body: JSON.stringify(body), credentials: "same-origin"});
    const answer = await response.json();
    if (response.ok) {
      result.textContent = response.status === 201 ? "บันทึกแล้ว" : "บันทึกไว้แล้วก่อนหน้านี้";
      field("uuid").value = crypto.randomUUID();  // the next household is a new one
    } else {
      result.textContent = (answer.errors || []).map((e) => `${e.field}: ${e.message}`).join("; ")
        || answer.detail;
    }
  });
})();
