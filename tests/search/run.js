// Runs the shipped search engine (assets/search.js beside the index, else
// layouts/assets/search.js) on a built index in Node:
//   node run.js INDEX_DIR < requests.json > answers.json
// Each request is {q, filters, page, fresh}; each answer lists the results' URLs and
// what the page would say, and the bytes read from the index (a fresh request starts
// with an empty cache, as a first visit does; otherwise the files read before count
// as cached, as in a browser).
"use strict";
const fs = require("fs");
const path = require("path");
const dir = process.argv[2];
// The script as the site ships it (minified beside the index), else as written.
const shipped = path.join(dir, "..", "assets", "search.js");
const file = fs.existsSync(shipped) ? shipped : path.join(__dirname, "..", "..", "layouts", "assets", "search.js");
const engine = require(file);
const script = fs.statSync(file).size;
const requests = JSON.parse(fs.readFileSync(0, "utf8"));

let fetched = 0, files = 0;
function load(file, range) {
  const bytes = fs.readFileSync(path.join(dir, file));
  const part = range ? bytes.subarray(range[0], range[1]) : bytes;
  fetched += part.length;
  files += 1;
  return Promise.resolve(new Uint8Array(part));
}

async function main() {
  let index = null;
  const answers = [];
  for (const request of requests) {
    if (request.fresh || !index) index = new engine.Index(load);
    const first = !index.entry;
    fetched = first ? script : 0;
    files = first ? 1 : 0;
    const started = process.hrtime.bigint();
    const out = await engine.search(index, request);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    answers.push({
      q: request.q, total: out.total, page: out.page, pages: out.pages,
      urls: out.results.map((r) => r.url), validity: out.results.map((r) => r.validity),
      snippets: out.results.map((r) => r.snippet),
      wenhao: out.wenhao, suggestions: out.suggestions || [], offers: out.query.offers,
      partial: out.query.partial, synonyms: out.query.terms.map((t) => t.alternatives),
      facets: out.facets, bytes: fetched, files: files, ms: ms,
    });
  }
  process.stdout.write(JSON.stringify(answers));
}
main().catch((err) => { process.stderr.write(String(err && err.stack || err)); process.exit(1); });
