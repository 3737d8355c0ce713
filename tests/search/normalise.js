// The engine's text rules (layouts/assets/search.js, or the script given, e.g. the
// minified one a site ships) on the tests' inputs, so a test can compare them with the
// Python side (gongkai/search):
//   node normalise.js [ENGINE.js] < {"table": normalize.table(), "jobs": [...]} > [answer per job]
// Jobs: {op: "normalise" | "words" | "wenhao" | "partial" | "fnv", items: [text, ...]}, or
// {op: "points", from, to, before, after}: every code point in [from, to) except the
// surrogates, normalised between `before` and `after` (so a dropped character and a
// separator read differently), or {op: "runs", from, to, size}: runs of `size`
// consecutive code points normalised as one text.
"use strict";
const path = require("path");
const engine = require(process.argv[2] ? path.resolve(process.argv[2])
  : path.join(__dirname, "..", "..", "layouts", "assets", "search.js"));

const request = JSON.parse(require("fs").readFileSync(0, "utf8"));
const norm = new engine.Normaliser(request.table);

function points(from, to) {
  const out = [];
  for (let c = from; c < to; c++) if (c < 0xd800 || c > 0xdfff) out.push(String.fromCodePoint(c));
  return out;
}
const ops = {
  normalise: (job) => job.items.map((t) => norm.normalise(t)),
  words: (job) => job.items.map((t) => norm.words(t)),
  wenhao: (job) => job.items.map((t) => engine.parseWenhao(norm, t)),
  partial: (job) => job.items.map((t) => engine.parsePartial(norm, t)),
  fnv: (job) => job.items.map((t) => engine.fnv(t)),
  points: (job) => points(job.from, job.to).map((ch) => norm.normalise(job.before + ch + job.after)),
  runs: (job) => {
    const chars = points(job.from, job.to), out = [];
    for (let i = 0; i < chars.length; i += job.size) out.push(norm.normalise(chars.slice(i, i + job.size).join("")));
    return out;
  },
};
process.stdout.write(JSON.stringify(request.jobs.map((job) => ops[job.op](job))));
