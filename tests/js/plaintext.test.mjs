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
