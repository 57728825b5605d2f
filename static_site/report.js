// Citizen report form. Every text from the API is set with textContent: never as HTML.
const api = "/v1";
const $ = (id) => document.getElementById(id);

function show(element, polish, english, kind) {
  element.textContent = "";
  element.className = kind || "";
  element.append(polish);
  if (english) {
    const en = document.createElement("span");
    en.lang = "en";
    en.textContent = ` / ${english}`;
    element.append(en);
  }
}

async function loadCategories() {
  const response = await fetch(`${api}/categories`);
  const { categories } = await response.json();
  const select = $("category");
  for (const category of categories.filter((c) => c.active)) {
    const option = document.createElement("option");
    option.value = category.code;
    option.textContent = `${category.name_pl} / ${category.name_en}`;
    select.append(option);
  }
}

async function locateUnit() {
  const lat = $("lat").value, lon = $("lon").value;
  if (!lat || !lon) return;
  const response = await fetch(`${api}/units/locate?lat=${encodeURIComponent(lat)}&lon=${encodeURIComponent(lon)}`);
  const body = await response.json();
  if (response.ok) show($("unit"), `Zgłoszenie trafi do: ${body.unit.name}`, `Goes to: ${body.unit.name}`);
  else show($("unit"), body.error.message, body.error.message_en, "error");
}

// A draft keeps its idempotency key until it is accepted, so resending after a
// network failure never creates a second report.
let idempotencyKey = null;

async function submit(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const body = { category: form.get("category"), lat: Number(form.get("lat")), lon: Number(form.get("lon")) };
  if (form.get("description").trim()) body.description = form.get("description");
  if (form.get("time_of_day")) body.time_of_day = form.get("time_of_day");
  idempotencyKey = idempotencyKey || crypto.randomUUID();
  let response;
  try {
    response = await fetch(`${api}/reports`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": idempotencyKey },
      body: JSON.stringify(body),
    });
  } catch {
    show($("result"), "Brak połączenia. Zgłoszenie zachowane — spróbuj ponownie.",
      "No connection. Your draft is kept — try again.", "error");
    return;
  }
  const answer = await response.json();
  if (response.status === 201) {
    idempotencyKey = null;
    const link = `?id=${encodeURIComponent(answer.id)}&token=${encodeURIComponent(answer.tracking_token)}`;
    show($("result"), `Przyjęto zgłoszenie nr ${answer.id} (${answer.unit.name}). Zachowaj link, aby śledzić status: `,
      `Report ${answer.id} accepted. Keep the link to follow its status.`, "ok");
    const anchor = document.createElement("a");
    anchor.href = link;
    anchor.textContent = "śledź zgłoszenie / follow the report";
    $("result").append(" ", anchor);
  } else {
    if (response.status !== 503) idempotencyKey = null;
    show($("result"), answer.error.message, answer.error.message_en, "error");
  }
}

async function showTracking(id, token) {
  const response = await fetch(`${api}/reports/${encodeURIComponent(id)}?token=${encodeURIComponent(token)}`);
  const section = $("tracking");
  section.hidden = false;
  const details = $("tracking-details");
  if (!response.ok) {
    show(details, "Nie znaleziono zgłoszenia.", "Report not found.", "error");
    return;
  }
  const report = await response.json();
  for (const [label, value] of [["Numer / Number", report.id], ["Status", report.status],
    ["Kategoria / Category", report.category], ["Jednostka / Unit", report.unit.name],
    ["Przyjęto / Received", new Date(report.created_at).toLocaleString("pl-PL")],
    ["Zmieniono / Changed", new Date(report.modified_at).toLocaleString("pl-PL")]]) {
    const dt = document.createElement("dt");
    dt.textContent = label;
    const dd = document.createElement("dd");
    dd.textContent = value;
    details.append(dt, dd);
  }
}

$("description").addEventListener("input", (e) => {
  $("counter").textContent = `${e.target.value.trim().length} / 500`;
});
$("lat").addEventListener("change", locateUnit);
$("lon").addEventListener("change", locateUnit);
$("locate-me").addEventListener("click", () => {
  navigator.geolocation?.getCurrentPosition((position) => {
    $("lat").value = position.coords.latitude.toFixed(6);
    $("lon").value = position.coords.longitude.toFixed(6);
    locateUnit();
  });
});
$("report-form").addEventListener("submit", submit);

const params = new URLSearchParams(location.search);
if (params.get("id") && params.get("token")) showTracking(params.get("id"), params.get("token"));
loadCategories();
