// @ts-check
// The filter form: statuses, categories (grouped, searchable) and the range of report dates.
// It reads and writes the address's state (state.js) and calls `onChange` with the engine's filter.
import { CATEGORY_GROUPS, OTHER_GROUP } from "./shared/catalog.js";
import { $, el, say, swatchOf } from "./shared/dom.js";
import { tr } from "./shared/i18n.js";
import { STATUSES, statusKeys } from "./shared/statuses.js";

const fold = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/ł/g, "l")
  .replace(/Ł/g, "L").toLowerCase();

function checkbox(id, value, checked, ...label) {
  const input = el("input", { type: "checkbox", id, value });
  input.defaultChecked = checked; // what the form's reset returns to
  input.checked = checked;
  return el("label", { for: id }, input, ...label);
}

export class Filters {
  /** `categories`: public categories from the catalogue [{code, pl, en}]. */
  constructor(categories, onChange) {
    this.onChange = onChange;
    this.form = $("filters");
    this.codes = categories.map((c) => c.code);
    this.renderStatuses();
    this.renderCategories(categories);
    this.form.addEventListener("change", (event) => this.changed(event));
    this.form.addEventListener("reset", () => setTimeout(() => {
      this.search();
      this.changed();
    }));
    $("category-search").addEventListener("input", () => this.search());
    $("categories-all").addEventListener("click", () => this.checkAllCategories(true));
    $("categories-none").addEventListener("click", () => this.checkAllCategories(false));
  }

  renderStatuses() {
    $("status-options").replaceChildren(...STATUSES.map((status) =>
      checkbox(`status-${status.slug}`, status.slug, true, swatchOf(status),
        tr(status.name, status.en))));
  }

  renderCategories(categories) {
    const known = new Set(CATEGORY_GROUPS.flatMap((g) => g.codes));
    const groups = [...CATEGORY_GROUPS, { ...OTHER_GROUP,
      codes: categories.map((c) => c.code).filter((code) => !known.has(code)) }];
    const byCode = new Map(categories.map((c) => [c.code, c]));
    const fieldsets = [];
    for (const group of groups) {
      const members = group.codes.filter((code) => byCode.has(code));
      if (!members.length) continue;
      const toggle = el("input", { type: "checkbox", id: `group-${group.id}`, "data-group": group.id });
      toggle.defaultChecked = true;
      toggle.checked = true;
      const fieldset = el("fieldset", { className: "category-group", "data-group": group.id },
        el("legend", {}, el("label", { for: `group-${group.id}` }, toggle, tr(group.pl, group.en))));
      const options = el("div", { className: "options" });
      for (const code of members) {
        const { pl, en } = byCode.get(code);
        const label = checkbox(`category-${code}`, code, true, tr(pl, en));
        label.dataset.search = fold(`${pl} ${en} ${code}`);
        label.querySelector("input").name = "category";
        options.append(label);
      }
      fieldset.append(options);
      fieldsets.push(fieldset);
    }
    $("category-groups").replaceChildren(...fieldsets);
  }

  categoryInputs() {
    return [...this.form.querySelectorAll('input[name="category"]')];
  }

  statusInputs() {
    return [...$("status-options").querySelectorAll("input")];
  }

  changed(event) {
    const group = event?.target?.dataset?.group;
    if (group) {
      for (const input of this.form.querySelectorAll(`fieldset[data-group="${group}"] input[name="category"]`)) {
        input.checked = event.target.checked;
      }
    }
    this.syncGroups();
    this.checkDates();
    this.onChange();
  }

  /** "(chosen n of m)" beside the categories' summary. */
  summarise() {
    const inputs = this.categoryInputs();
    const chosen = inputs.filter((i) => i.checked).length;
    $("category-summary").replaceChildren(chosen === inputs.length
      ? tr("(wszystkie)", "(all)")
      : tr(`(wybrane: ${chosen} z ${inputs.length})`, `(${chosen} of ${inputs.length} chosen)`));
  }

  /** A group's box is checked when all its categories are, mixed when some are. */
  syncGroups() {
    this.summarise();
    for (const fieldset of this.form.querySelectorAll("fieldset[data-group]")) {
      const inputs = [...fieldset.querySelectorAll('input[name="category"]')];
      const checked = inputs.filter((i) => i.checked).length;
      const toggle = fieldset.querySelector("legend input");
      toggle.checked = checked === inputs.length;
      toggle.indeterminate = checked > 0 && checked < inputs.length;
    }
  }

  checkAllCategories(checked) {
    for (const input of this.categoryInputs()) input.checked = checked;
    this.changed();
  }

  search() {
    const query = fold($("category-search").value.trim());
    let found = 0;
    for (const label of this.form.querySelectorAll("label[data-search]")) {
      const match = !query || label.dataset.search.includes(query);
      label.hidden = !match;
      if (match) found++;
    }
    for (const fieldset of this.form.querySelectorAll("fieldset[data-group]")) {
      fieldset.hidden = !fieldset.querySelector("label[data-search]:not([hidden])");
    }
    if (query) say($("category-search-result"), `Pasujące kategorie: ${found}`, `Matching categories: ${found}`);
    else say($("category-search-result"), "");
  }

  checkDates() {
    const from = $("date-from").value;
    const to = $("date-to").value;
    const wrong = Boolean(from && to && from > to);
    for (const id of ["date-from", "date-to"]) $(id).setAttribute("aria-invalid", String(wrong));
    if (wrong) {
      say($("date-message"), "Data „od” jest późniejsza niż data „do”: nic nie pasuje.",
        "The \"from\" date is after the \"to\" date: nothing matches.", "error");
    } else {
      say($("date-message"), "");
    }
  }

  /** The filter's part of the address: slugs and codes, null for "all". */
  toState() {
    const statuses = this.statusInputs();
    const categories = this.categoryInputs();
    const chosen = (inputs) => inputs.filter((i) => i.checked).map((i) => i.value);
    return {
      statuses: statuses.every((i) => i.checked) ? null : chosen(statuses),
      categories: categories.every((i) => i.checked) ? null : chosen(categories),
      from: $("date-from").value || null,
      to: $("date-to").value || null,
    };
  }

  setState({ statuses, categories, from, to }) {
    for (const input of this.statusInputs()) input.checked = !statuses || statuses.includes(input.value);
    for (const input of this.categoryInputs()) {
      input.checked = !categories || categories.includes(input.value);
    }
    $("date-from").value = from || "";
    $("date-to").value = to || "";
    if (categories) $("category-details").open = true;
    this.syncGroups();
    this.checkDates();
  }

  /** The engine's filter: status and category codes, null for all. */
  toFilter() {
    const { statuses, categories, from, to } = this.toState();
    return {
      statuses: statuses && statusKeys(statuses),
      categories,
      from,
      to,
    };
  }
}
