// @ts-check
// "Potwierdzam / I confirm": POST /v1/reports/{id}/confirmations for a report of the feed.
// The id comes from the garrison's ids file, read by the engine on first need.
import { api, errorOf, retryMoment } from "./shared/api.js";
import { both, formatInstant, formatNumber, say } from "./shared/dom.js";

/** Confirms the report `ref` names; reports the outcome in `output`. Answers the new count or null. */
export async function confirmReport(engine, ref, { button, output, count }) {
  button.disabled = true;
  say(output, "Wysyłanie potwierdzenia…", "Sending the confirmation…");
  try {
    let id;
    try {
      id = await engine.call("reportId", ref);
    } catch {
      say(output, "Nie udało się odczytać numeru zgłoszenia. Spróbuj ponownie.",
        "Could not read the report's number. Please try again.", "error");
      return null;
    }
    const answer = await api(`/reports/${encodeURIComponent(id)}/confirmations`, { method: "POST" });
    if (answer.status === 201 || answer.status === 200) {
      const confirmations = Number(answer.data?.confirmations);
      if (Number.isFinite(confirmations)) {
        count.replaceChildren(both(formatNumber, confirmations));
        await engine.call("setConfirmations", ref, confirmations);
      }
      say(output, "Dziękujemy! Potwierdzenie zostało przyjęte.",
        "Thank you! Your confirmation has been recorded.", "ok");
      return confirmations;
    }
    const error = errorOf(answer);
    if (answer.status === 409) {
      // Counted as the server counts: once per network address (IPv6: its /64) and report.
      say(output, "To zgłoszenie zostało już potwierdzone z Twojego adresu internetowego (IP).",
        "This report has already been confirmed from your internet (IP) address.", "error");
    } else if (answer.status === 429) {
      const when = retryMoment(answer);
      say(output,
        `Dzisiejszy limit potwierdzeń został wyczerpany.${when ? ` Kolejne potwierdzenie możliwe od ${formatInstant(when, "pl")}.` : ""}`,
        `Today's limit of confirmations has been reached.${when ? ` You can confirm again from ${formatInstant(when, "en")}.` : ""}`,
        "error");
    } else if (answer.status === 404) {
      say(output, "To zgłoszenie nie jest już widoczne publicznie.",
        "This report is no longer public.", "error");
    } else if (answer.network) {
      say(output, "Brak połączenia. Spróbuj ponownie.", "No connection. Please try again.", "error");
    } else {
      say(output, error.pl, error.en, "error");
    }
    return null;
  } finally {
    button.disabled = false;
  }
}
