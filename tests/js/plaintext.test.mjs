// static_site/plaintext.js against the cases chalicelib/plaintext.py is tested with.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { clean, isBlank, length } from "../../static_site/plaintext.js";

const CASES = JSON.parse(readFileSync(new URL("../text_cases.json", import.meta.url), "utf8"));

for (const { name, input, clean: cleaned, length: count, blank } of CASES) {
  test(`${name}: cleaned, counted and judged blank as the server does`, () => {
    assert.equal(clean(input), cleaned);
    assert.equal(length(input), count);
    assert.equal(isBlank(input), blank);
  });
}

test("the cases include the byte order mark before 500 letters", () => {
  const bom = CASES.find((c) => c.input.startsWith("\ufeff") && c.length === 500);
  assert.ok(bom);
  assert.equal(length(bom.input), 500);
});

test("bidi embeddings, overrides and isolates are refused; marks are not", async () => {
  const { hasForbiddenCharacters } = await import("../../static_site/plaintext.js");
  for (const bad of ["admin\u202e.exe", "\u202a", "\u202b", "\u202c", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069"]) {
    assert.equal(hasForbiddenCharacters(bad, true), true, JSON.stringify(bad));
    assert.equal(hasForbiddenCharacters(bad, false), true, JSON.stringify(bad));
  }
  for (const good of ["\u200e\u200f\u061c", "\u2065x", "\u2029", "\u202f"]) {
    assert.equal(hasForbiddenCharacters(good, true), false, JSON.stringify(good));
  }
  assert.equal(hasForbiddenCharacters("a\nb", false), true);
  assert.equal(hasForbiddenCharacters("a\nb", true), false);
});

test("the report form refuses the bidi controls the server refuses in a description", async () => {
  const { hasForbiddenCharacters } = await import("../../static_site/report.js");
  for (const bad of ["plik\u202egpj.exe", "a \u2066b\u2069 c", "x\u202ay"]) {
    assert.equal(hasForbiddenCharacters(bad), true, JSON.stringify(bad));
  }
  assert.equal(hasForbiddenCharacters("dwie\nlinie\tz tabem \u200f"), false);
});
