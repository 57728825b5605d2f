// @ts-check
// Before the page is drawn: English at once for those who chose it (no flash of Polish).
try {
  if (localStorage.getItem("kmzb.lang") === "en") document.documentElement.lang = "en";
} catch {
  // storage disabled: Polish
}
