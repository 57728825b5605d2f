// Calls to the API (same origin, /v1, unless config.json says otherwise). Answers {status, ok, data, retryAfter}, or
// {network: true} when the request never got an answer.

let base = "/v1";

/** The API's address, from config.json ("api"); same-origin /v1 unless it says otherwise. */
export function setApiBase(address) {
  if (typeof address === "string" && address) base = address.replace(/\/+$/, "");
}

export async function api(path, { method = "GET", body, headers = {} } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`${base}${path}`, init);
  } catch {
    return { network: true, ok: false, status: 0, data: null, retryAfter: null };
  }
  const data = await response.json().catch(() => null);
  const retry = Number.parseInt(response.headers.get("Retry-After") ?? "", 10);
  return {
    network: false, ok: response.ok, status: response.status, data,
    retryAfter: Number.isFinite(retry) && retry >= 0 ? retry : null,
  };
}

/** The API's error {code, message, message_en}, or a generic one. */
export function errorOf(answer) {
  const error = answer?.data?.error;
  if (error && typeof error.message === "string") {
    return { code: error.code, pl: error.message, en: error.message_en || error.message };
  }
  if (answer?.network) {
    return { code: "network", pl: "Brak połączenia z serwerem.", en: "No connection to the server." };
  }
  return {
    code: "unexpected", pl: `Nieoczekiwana odpowiedź serwera (${answer?.status}).`,
    en: `Unexpected answer from the server (${answer?.status}).`,
  };
}

/** When an answer with Retry-After lets the client try again. */
export function retryMoment(answer, now = Date.now()) {
  return answer.retryAfter === null ? null : new Date(now + answer.retryAfter * 1000);
}
