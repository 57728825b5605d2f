// @ts-check
// Asking before a change that closes a report: a modal <dialog> (focus stays inside, Escape
// cancels, focus returns to the button that asked).
import { $ } from "../shared/dom.js";
import { bilingual } from "../shared/i18n.js";

/**
 * Shows the confirmation dialog; resolves true only when the officer confirms.
 * @param {{question: [string, string], detail?: [string, string], confirm: [string, string]}} text
 */
export function askToConfirm({ question, detail, confirm }) {
  const dialog = $("confirm-dialog");
  const opener = document.activeElement;
  $("confirm-heading").replaceChildren(bilingual(...question));
  $("confirm-text").replaceChildren(detail ? bilingual(...detail) : "");
  $("confirm-text").hidden = !detail;
  $("confirm-yes").replaceChildren(bilingual(...confirm));
  dialog.returnValue = "";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      if (opener instanceof HTMLElement && opener.isConnected && !opener.matches(":disabled")) opener.focus();
      resolve(dialog.returnValue === "confirm");
    }, { once: true });
    dialog.showModal();
    $("confirm-no").focus(); // the safe choice first
  });
}
