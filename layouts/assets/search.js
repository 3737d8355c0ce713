/* Site search: reads the index the build wrote under /search/ (its format is described
   in gongkai/search/index.py) and downloads only what a query needs. Exact substring
   matching for Chinese: a word of three or more characters is found through the
   positions of its trigrams, checked against each other; one or two characters through
   their own postings. The engine part runs in Node too (the tests' judgment queries).
   No inline script, nothing from another host, no WebAssembly. */
(function (root) {
  "use strict";

  var PAGE = 10;
  var utf8 = new TextDecoder("utf-8");

  // -- the normalisation table (the same as gongkai/search/normalize.py) -------------------

  function Normaliser(table) {
    this.map = new Map();
    for (var i = 0; i < table.map.length; i += 2) this.map.set(table.map[i], table.map[i + 1]);
    this.drop = new Set(table.drop);
    this.keep = table.keep;
    this.dropRanges = table.dropRanges;
    this.nfkc = table.nfkc || [];
  }
  Normaliser.prototype.fold = function (ch) {
    var code = ch.codePointAt(0);
    for (var n = 0; n < this.nfkc.length; n++) {
      if (code >= this.nfkc[n][0] && code <= this.nfkc[n][1]) {
        var compatible = ch.normalize("NFKC");
        if (Array.from(compatible).length === 1) ch = compatible;
      }
    }
    ch = this.map.has(ch) ? this.map.get(ch) : ch;
    code = ch.codePointAt(0);
    for (var i = 0; i < this.keep.length; i++) {
      if (code >= this.keep[i][0] && code <= this.keep[i][1]) return ch;
    }
    if (this.drop.has(ch)) return "";
    for (i = 0; i < this.dropRanges.length; i++) {
      if (code >= this.dropRanges[i][0] && code <= this.dropRanges[i][1]) return "";
    }
    return " ";
  };
  // The normalised text as an array of characters, and for each the offset in text
  // (UTF-16) of the character it came from.
  Normaliser.prototype.split = function (text) {
    var out = [], from = [], offset = 0;
    for (var ch of text) {
      var folded = this.fold(ch);
      if (folded === " ") {
        if (out.length && out[out.length - 1] !== " ") { out.push(" "); from.push(offset); }
      } else if (folded) {
        out.push(folded); from.push(offset);
      }
      offset += ch.length;
    }
    if (out.length && out[out.length - 1] === " ") { out.pop(); from.pop(); }
    return { chars: out, from: from };
  };
  Normaliser.prototype.normalise = function (text) { return this.split(text).chars.join(""); };
  Normaliser.prototype.words = function (text) {
    return this.normalise(text).split(" ").filter(Boolean);
  };

  // -- 文号 (the same rules as gongkai/search/wenhao.py) -----------------------------------

  var HAN = "\\u3400-\\u4dbf\\u4e00-\\u9fff\\u3007", S = "[ \\t\\n\\r\\f\\v]";
  var OPEN = "〔\\[(【﹝〖", CLOSE = "〕\\])】﹞〗", YEAR = "(?:19|20)[0-9][0-9]";
  var WHOLE = new RegExp("^" + S + "*([" + HAN + "]{1,16})" + S + "*(?:[" + OPEN + "]" + S + "*(" + YEAR + ")" + S +
    "*[" + CLOSE + "]|(" + YEAR + ")" + S + "*年|(" + YEAR + ")(?=" + S + ")|(" + YEAR + ")(?=第))" + S + "*第?" + S +
    "*([0-9]{1,5})" + S + "*号?" + S + "*$");
  var PARTIAL = new RegExp("^" + S + "*([" + HAN + "]{1,16})" + S + "*(?:[" + OPEN + "]" + S + "*(" + YEAR + ")" + S +
    "*[" + CLOSE + "]?|(" + YEAR + ")" + S + "*年)" + S + "*$");
  var INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff";

  // Full-width digits, brackets and spaces as ASCII, invisible characters gone.
  function narrow(norm, text) {
    var out = "";
    for (var ch of text) {
      if (INVISIBLE.indexOf(ch) >= 0) continue;
      var m = norm.map.get(ch);
      out += m !== undefined && !/\p{L}/u.test(m) ? m : ch;
    }
    return out;
  }
  function parseWenhao(norm, text) {
    var m = WHOLE.exec(narrow(norm, text));
    if (!m) return null;
    return { agency: m[1], year: +(m[2] || m[3] || m[4] || m[5]), serial: +m[6] };
  }
  function parsePartial(norm, text) {
    var m = PARTIAL.exec(narrow(norm, text));
    return m ? { agency: m[1], year: +(m[2] || m[3]) } : null;
  }
  function wenhaoWord(w) { return w.agency + w.year + w.serial + "号"; }
  function wenhaoText(w) { return w.agency + "〔" + w.year + "〕" + (w.serial !== undefined ? w.serial + "号" : ""); }

  // -- reading the index --------------------------------------------------------------------

  function fnv(text) {
    var h = 0x811c9dc5;
    for (var ch of text) h = Math.imul(h ^ ch.codePointAt(0), 0x01000193) >>> 0;
    return h >>> 0;
  }
  function Reader(bytes, start) { this.b = bytes; this.i = start || 0; }
  Reader.prototype.v = function () {
    var x = 0, scale = 1, c;
    do { c = this.b[this.i++]; x += (c & 0x7f) * scale; scale *= 128; } while (c & 0x80);
    return x;
  };

  // load(path, range) resolves to a Uint8Array: the file, or bytes [start, end) of it
  // when range is given (a loader may return the whole file instead).
  function Index(load) {
    this.load = load;
    this.cache = new Map();
  }
  Index.prototype.once = function (key, make) {
    if (!this.cache.has(key)) this.cache.set(key, make());
    return this.cache.get(key);
  };
  Index.prototype.open = function () {
    var self = this;
    return this.once("entry", function () {
      return self.load("entry.json").then(function (bytes) {
        self.entry = JSON.parse(utf8.decode(bytes));
        var bases = self.entry.bases;  // the fields in position order (title first): mask bits
        self.entry.fields = Object.keys(bases).sort(function (a, b) { return bases[a] - bases[b]; });
        self.norm = new Normaliser(self.entry.normalise);
        return self;
      });
    });
  };
  Index.prototype.shard = function (bucket) {
    var self = this;
    return this.once("i" + bucket, function () {
      return self.load("i/" + bucket + ".bin").then(function (bytes) {
        var grams = new Map(), r = new Reader(bytes);
        while (r.i < bytes.length) {
          var size = r.v(), name = utf8.decode(bytes.subarray(r.i, r.i + size));
          r.i += size;
          var df = r.v(), sized = r.v(), length = Math.floor(sized / 2);
          if (sized % 2) grams.set(name, { df: df, file: r.v() });
          else { grams.set(name, { df: df, data: bytes.subarray(r.i, r.i + length) }); r.i += length; }
        }
        return grams;
      });
    });
  };
  // A gram's (or 文号 key's) postings: { df, data } or null.
  Index.prototype.gram = function (gram) {
    var self = this;
    return this.shard(fnv(gram) % this.entry.buckets).then(function (grams) {
      var found = grams.get(gram);
      if (!found || found.data) return found || null;
      return self.once("g" + found.file, function () { return self.load("g/" + found.file + ".bin"); })
        .then(function (data) { return { df: found.df, data: data }; });
    });
  };
  Index.prototype.chunk = function (k) {
    var self = this, facets = this.entry.facets.length;
    return this.once("c" + k, function () {
      return self.load("c/" + k + ".bin").then(function (bytes) {
        var docs = [], r = new Reader(bytes);
        while (r.i < bytes.length) {
          var doc = { values: [] };
          for (var f = 0; f < facets; f++) {
            var own = [];
            if (self.entry.facets[f].multi) {
              for (var n = r.v(), j = 0; j < n; j++) own.push(r.v());
            } else {
              var value = r.v();
              if (value) own.push(value - 1);
            }
            doc.values.push(own);
          }
          docs.push(doc);
        }
        return docs;
      });
    });
  };
  Index.prototype.docs = function (ordinals) {
    var self = this, size = this.entry.chunk, wanted = new Set();
    ordinals.forEach(function (o) { wanted.add(Math.floor(o / size)); });
    var chunks = Array.from(wanted);
    return Promise.all(chunks.map(function (k) { return self.chunk(k); })).then(function (lists) {
      var byChunk = new Map(), out = new Map();
      chunks.forEach(function (k, i) { byChunk.set(k, lists[i]); });
      ordinals.forEach(function (o) {
        var k = Math.floor(o / size);
        out.set(o, byChunk.get(k)[o - k * size]);
      });
      return out;
    });
  };
  Index.prototype.card = function (ordinal) {
    var self = this, folder = Math.floor(ordinal / this.entry.chunk);
    return this.once("d" + ordinal, function () {
      return self.load("d/" + folder + "/" + ordinal + ".json").then(function (b) {
        var card = JSON.parse(utf8.decode(b));
        card.p = passageStarts(card.p);
        return card;
      });
    });
  };
  // A card's "p": [index position, byte offset] of each passage, from their gaps written
  // five bits a character (index.py's DIGITS).
  var DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
  function passageStarts(text) {
    var values = [], value = 0, shift = 1, out = [], at = [0, 0];
    for (var i = 0; i < text.length; i++) {
      var digit = DIGITS.indexOf(text[i]);
      value += (digit & 31) * shift;
      shift *= 32;
      if (digit < 32) { values.push(value); value = 0; shift = 1; }
    }
    for (var k = 0; k + 1 < values.length; k += 2) {
      at = [at[0] + values[k], at[1] + values[k + 1]];
      out.push(at);
    }
    return out;
  }
  Index.prototype.passage = function (ordinal, card, k) {
    var start = card.p[k][1], end = k + 1 < card.p.length ? card.p[k + 1][1] : card.l;
    var self = this, folder = Math.floor(ordinal / this.entry.chunk);
    return this.once("t" + ordinal + "/" + k, function () {
      return self.load("t/" + folder + "/" + ordinal + ".txt", [start, end]).then(function (bytes) {
        return utf8.decode(bytes.length === end - start ? bytes : bytes.subarray(start, end));
      });
    });
  };
  Index.prototype.year = function (ordinal) {
    var years = this.entry.years, year = years[0][0];
    for (var i = 0; i < years.length && years[i][1] <= ordinal; i++) year = years[i][0];
    return year;
  };

  // -- matching ---------------------------------------------------------------------------

  // Every document holding word (normalised, no spaces): ordinal -> { mask (fields beside
  // the body), body (the count over BM25's length norm), at (positions), inForce, title
  // (its length, where the word is in it) }: all that ranking needs, from the postings.
  function matchWord(index, word) {
    var chars = Array.from(word);
    if (chars.length <= 2) {
      return index.gram(word).then(function (found) {
        var out = new Map();
        if (!found) return out;
        var r = new Reader(found.data), doc = 0, body = index.entry.bases.body, two = chars.length === 2;
        var pinyin = 1 << index.entry.fields.indexOf("pinyin");
        while (r.i < found.data.length) {
          doc += r.v();
          var counted = r.v(), mask = counted & 31, tf = Math.floor(counted / (two ? 32 : 64));
          var second = two ? r.v() : 0, first = Math.floor(second / 2);
          var stale = two ? second & 1 : counted >> 5 & 1, title = mask & 1 ? r.v() : 0;
          mask &= ~pinyin;
          if (!mask && !tf) continue;  // in the full pinyin only: across syllables
          out.set(doc, { mask: mask, body: tf, at: first ? [body + first - 1] : [], inForce: !stale, title: title });
        }
        return out;
      });
    }
    var offsets = [];
    for (var o = 0; o + 3 <= chars.length; o += 3) offsets.push(o);
    if (offsets[offsets.length - 1] !== chars.length - 3) offsets.push(chars.length - 3);
    return Promise.all(offsets.map(function (o) { return index.gram(chars.slice(o, o + 3).join("")); }))
      .then(function (lists) {
        var out = new Map();
        if (lists.some(function (l) { return !l; })) return out;
        var positions = lists.map(function (l) { return readPositions(l, index.entry); });
        var bases = index.entry.bases, short = chars.length < index.entry.pinyinWord;
        var order = positions.map(function (_, i) { return i; })
          .sort(function (a, b) { return positions[a].size - positions[b].size; });
        positions[order[0]].forEach(function (_, doc) {
          if (!order.every(function (i) { return positions[i].has(doc); })) return;
          var at = [], base = offsets[0], sets = positions.map(function (p) { return p.get(doc); });
          sets[0].list.forEach(function (p) {
            for (var i = 1; i < offsets.length; i++) if (!sets[i].set.has(p + offsets[i] - base)) return;
            if (!short || p < bases.pinyin || p >= bases.initials) at.push(p);
          });
          if (at.length) out.set(doc, phraseHit(index.entry, at, sets));
        });
        return out;
      });
  }
  // A phrase's hit from its verified positions: the fields it is in, the body count over
  // the length norm its document's class gives.
  function phraseHit(entry, at, sets) {
    var mask = 0, body = 0, title = 0;
    at.forEach(function (p) {
      var f = fieldOf(entry, p);
      if (f === "body") body++; else mask |= 1 << entry.fields.indexOf(f);
    });
    sets.forEach(function (s) { title = Math.max(title, s.title); });
    var ratio = Math.pow(2, (sets[0].length - 4) / 2), norm = 1 - entry.b + entry.b * ratio;
    return { mask: mask, body: body / norm, at: at, inForce: sets[0].inForce, title: title };
  }
  function readPositions(found, entry) {
    var out = new Map(), r = new Reader(found.data), doc = 0;
    while (r.i < found.data.length) {
      doc += r.v();
      var head = r.v(), n = (head >> 4) + 1, list = [], p = 0;
      for (var j = 0; j < n; j++) { p += r.v(); list.push(p); }
      out.set(doc, { list: list, set: new Set(list), inForce: !(head & 8), length: head & 7,
        title: list[0] < entry.bases.number ? r.v() : 0 });
    }
    return out;
  }
  function wenhaoDocs(index, key) {
    return index.gram(key).then(function (found) {
      var out = new Map();
      if (!found) return out;
      var r = new Reader(found.data), doc = 0;
      while (r.i < found.data.length) { doc += r.v(); out.set(doc, found.data[r.i++]); }  // stale << 2 | flag
      return out;
    });
  }
  function isOwn(flag) { return (flag & 3) === 1; }  // the document's own 文号, not one it cites
  function hasOwn(docs) { return Array.from(docs.values()).some(isOwn); }

  function fieldOf(entry, position) {
    var name = entry.fields[0];
    entry.fields.forEach(function (f) { if (position >= entry.bases[f]) name = f; });
    return name;
  }

  // A word with its synonyms: documents holding any of them, merged.
  function matchTerm(index, term) {
    return Promise.all(term.alternatives.map(function (w) { return matchWord(index, w); })).then(function (maps) {
      var out = new Map();
      maps.forEach(function (m) {
        m.forEach(function (hit, doc) {
          var had = out.get(doc);
          if (!had) { out.set(doc, Object.assign({}, hit, { at: hit.at.slice() })); return; }
          had.at = had.at.concat(hit.at);
          had.mask |= hit.mask;
          had.body += hit.body;
          had.title = Math.max(had.title, hit.title);
        });
      });
      return out;
    });
  }

  // A word's weight in a document: each field it is in adds that field's weight (a title
  // match outweighs any body; the title's in proportion to how much of it the word is, so
  // 聊城市居家养老服务补贴管理办法 ranks above a title that merely mentions it), the body
  // adds BM25's saturated, length-normalised count.
  function weightOf(entry, hit, size) {
    var tf = 0, names = entry.fields;
    names.forEach(function (f, i) {
      if (f === "body" || !(hit.mask & (1 << i))) return;
      tf += entry.weights[f] * (f === names[0] ? 0.25 + 0.75 * Math.min(1, size / (hit.title || size)) : 1);
    });
    return tf + hit.body / (hit.body + entry.k1);
  }

  function idf(count, df) { return Math.log(1 + (count - df + 0.5) / (df + 0.5)); }

  // -- a query ----------------------------------------------------------------------------

  // What the query asks: words (each with its synonyms), a 文号, a partial 文号.
  function understand(index, text, plain) {
    var norm = index.norm, entry = index.entry, query = { text: text, terms: [], wenhao: null, partial: null, offers: [] };
    var rest = [];
    var whole = !plain && parseWenhao(norm, text);
    if (plain) rest.push(text);
    else if (whole) query.wenhao = whole;
    else {
      var partial = parsePartial(norm, text);
      if (partial) query.partial = partial;
      else text.split(/\s+/).forEach(function (token) {
        var w = token && parseWenhao(norm, token);
        if (w && !query.wenhao) { query.wenhao = w; w.joins = joins(rest, w); } else rest.push(token);
      });
    }
    norm.words(rest.join(" ")).forEach(function (word) {
      if (query.terms.some(function (t) { return t.word === word; })) return;
      var alternatives = [word];
      entry.synonyms.forEach(function (group) {
        if (group.indexOf(word) >= 0) group.forEach(function (w) { if (alternatives.indexOf(w) < 0) alternatives.push(w); });
      });
      query.terms.push({ word: word, alternatives: alternatives });
      offer(index, query, word);
    });
    return query;
  }
  // A space typed inside the 机关代字 (聊政 办发〔2019〕5号): the Han tokens just before
  // the 文号, joined to its 代字, longest first; tried before the 代字 as written.
  var HAN_ONLY = new RegExp("^[" + HAN + "]+$");
  function joins(rest, w) {
    var out = [];
    for (var j = 1; j <= 3 && j <= rest.length && HAN_ONLY.test(rest[rest.length - j]); j++) {
      var agency = rest.slice(-j).join("") + w.agency;
      if (Array.from(agency).length <= 16) out.unshift({ agency: agency, tokens: rest.slice(-j) });
    }
    return out;
  }
  // The first join that is some document's own 文号 becomes the query's, its tokens no
  // longer words.
  function settle(index, query) {
    var w = query.wenhao, tried = Promise.resolve(false);
    ((w && w.joins) || []).forEach(function (join) {
      tried = tried.then(function (done) {
        if (done) return true;
        return wenhaoDocs(index, "#" + join.agency + "#" + w.year + "#" + w.serial).then(function (docs) {
          if (!hasOwn(docs)) return false;
          var gone = index.norm.words(join.tokens.join(" "));
          w.agency = join.agency;
          query.terms = query.terms.filter(function (t) { return gone.indexOf(t.word) < 0; });
          query.offers = query.offers.filter(function (o) { return gone.indexOf(o.word) < 0; });
          return true;
        });
      });
    });
    return tried;
  }

  // A year, an agency or a 文种 written in the query, offered as a filter.
  function offer(index, query, word) {
    var entry = index.entry, norm = index.norm;
    var year = /^((?:19|20)\d\d)年?$/.exec(word);
    if (year && entry.years.some(function (y) { return y[0] === year[1]; })) {
      query.offers.push({ word: word, facet: "year", label: "年份", value: year[1] });
    }
    entry.facets.forEach(function (facet) {
      if (["agency", "form", "column", "topic"].indexOf(facet.key) < 0) return;
      facet.values.forEach(function (value) {
        if (norm.normalise(value) === word) query.offers.push({ word: word, facet: facet.key, label: facet.label, value: value });
      });
    });
  }

  // Run a query: { q, filters: {facet: value}, page } -> the page of results.
  function search(index, request) {
    return index.open().then(function () {
      var query = understand(index, request.q || "", request.plain);
      request.filters = known(index, request.filters || {});
      if (!query.terms.length && !query.wenhao && !query.partial && !Object.keys(request.filters || {}).length) {
        return overview(index, query);
      }
      return settle(index, query).then(function () { return candidates(index, query); }).then(function (found) {
        return finish(index, query, found, request);
      });
    });
  }

  // Only the facets the index has: a link shared with &from=singlemessage or utm_… still works.
  function known(index, filters) {
    var keys = ["year"].concat(index.entry.facets.map(function (f) { return f.key; })), out = {};
    Object.keys(filters).forEach(function (k) { if (keys.indexOf(k) >= 0) out[k] = filters[k]; });
    return out;
  }

  // Nothing asked yet: every facet with its counts over the whole site, from the entry
  // file alone (browsing them loads the facet chunks).
  function overview(index, query) {
    var entry = index.entry, years = entry.years.map(function (y, i) {
      var next = i + 1 < entry.years.length ? entry.years[i + 1][1] : entry.count;
      return [y[0], next - y[1]];
    }).reverse();
    var facets = [{ key: "year", label: "年份", values: years, selected: null }].concat(entry.facets.map(function (f) {
      return { key: f.key, label: f.label, selected: null, values: f.values.map(function (v, i) { return [v, f.counts[i]]; })
        .sort(function (a, b) { return (b[1] - a[1]) || (a[0] < b[0] ? -1 : 1); }) };
    })).filter(function (f) { return f.values.length > 1; });
    return { query: query, total: entry.count, page: 1, pages: 1, results: [], facets: facets, facetsLoaded: true,
      filters: {}, wenhao: null };
  }

  // ordinal -> { score, tier, at: [positions per term] }, or null for "every document".
  function candidates(index, query) {
    var entry = index.entry, steps = [];
    if (!query.terms.length && !query.wenhao && !query.partial) return Promise.resolve(null);
    if (query.wenhao) steps.push(wenhaoStep(index, query));
    if (query.partial) {
      steps.push(wenhaoDocs(index, "#" + query.partial.agency + "#" + query.partial.year).then(function (docs) {
        var out = new Map();
        docs.forEach(function (flag, d) { out.set(d, { score: 0, tier: 0, at: [], inForce: !(flag & 4) }); });
        return out;
      }));
    }
    query.terms.forEach(function (term) {
      steps.push(matchTerm(index, term).then(function (hits) { term.df = hits.size; return { term: term, hits: hits }; }));
    });
    return Promise.all(steps).then(function (parts) {
      var result = null;
      parts.forEach(function (part) {
        var map = part instanceof Map ? part : null;
        var next = new Map();
        var source = map || part.hits;
        source.forEach(function (hit, doc) {
          if (result && !result.has(doc)) return;
          var had = result ? result.get(doc) : { score: 0, tier: 0, at: [], hits: [], inForce: hit.inForce };
          if (map) { had.score += hit.score; had.tier = Math.max(had.tier, hit.tier); }
          else { had.hits = (had.hits || []).concat([{ term: part.term, hit: hit }]); }
          next.set(doc, had);
        });
        result = next;
      });
      return result;
    });
  }
  // The documents with this 文号 (first) and those citing it. Only the 机关代字 as written:
  // 聊政办发〔2019〕15号 must not find what cites 鲁政办发〔2019〕15号.
  // Words a 文号 is quoted with (根据聊政办发〔2019〕5号) are taken off when the 代字 as
  // written has no document of its own; never any other characters: 聊政办发〔2019〕16号
  // must not answer with 政办发〔2019〕16号.
  var LEADS = /^(?:根据|按照|依据|依照|参照|印发|转发|关于|贯彻|落实|执行|见)+/;
  function wenhaoStep(index, query) {
    var w = query.wenhao, bare = w.agency.replace(LEADS, "");
    function hits(docs) {
      var out = new Map();
      docs.forEach(function (flag, d) {
        var mine = isOwn(flag);
        out.set(d, { score: mine ? 10 : 2, tier: mine ? 2 : 0, at: [], inForce: !(flag & 4) });
      });
      return out;
    }
    function lookup(agency) { return wenhaoDocs(index, "#" + agency + "#" + w.year + "#" + w.serial); }
    return lookup(w.agency).then(function (exact) {
      if (hasOwn(exact) || bare === w.agency || bare.length < 2) return hits(exact);
      return lookup(bare).then(function (docs) {
        if (!docs.size) return hits(exact);
        w.agency = bare;
        return hits(docs);
      });
    });
  }

  // The facet chunks are loaded only when asked for (request.facets: a reader opened the
  // filters) or needed (a filter other than the year, which a document's number gives).
  function finish(index, query, found, request) {
    var entry = index.entry, all = found === null, filters = request.filters || {};
    var ordinals = all ? Array.from({ length: entry.count }, function (_, i) { return i; }) : Array.from(found.keys());
    var wanted = !!request.facets || Object.keys(filters).some(function (k) { return k !== "year"; });
    return (wanted ? index.docs(ordinals) : Promise.resolve(null)).then(function (docs) {
      var scored = ordinals.map(function (o) { return { ord: o, doc: docs && docs.get(o), info: found ? found.get(o) : null }; });
      scored.forEach(function (r) { r.tier = 0; r.score = all ? 0 : score(index, query, r); });
      var facets = facetCounts(index, scored, filters, wanted);
      var kept = scored.filter(function (r) { return passes(index, r, filters, null); });
      kept.sort(function (a, b) { return (b.tier - a.tier) || (b.score - a.score) || (b.ord - a.ord); });
      var pages = Math.max(1, Math.ceil(kept.length / PAGE));
      var page = Math.min(Math.max(1, request.page || 1), pages);
      var shown = kept.slice((page - 1) * PAGE, page * PAGE);
      return Promise.all(shown.map(function (r) { return present(index, query, r); })).then(function (results) {
        var out = { query: query, total: kept.length, page: page, pages: pages, results: results, facets: facets,
          facetsLoaded: wanted, filters: filters };
        return banner(index, query, found).then(function (b) {
          out.wenhao = b;
          return kept.length || all ? out : suggest(index, query, out);
        });
      });
    });
  }

  function score(index, query, r) {
    var entry = index.entry, info = r.info, total = info.score;
    r.tier = info.tier;
    var positions = [];
    (info.hits || []).forEach(function (h) {
      var size = Array.from(h.term.word).length;
      total += idf(entry.count, h.term.df) * weightOf(entry, h.hit, size);
      positions.push(h.hit.at);
      // The whole title: the word is in it and as long as it.
      if (query.terms.length === 1 && h.hit.mask & 1 && h.hit.title === size) r.tier = Math.max(r.tier, 1);
    });
    if (positions.length > 1) total += proximity(positions) * 0.5 * query.terms.length;
    return total * (info.inForce ? 1 : 0.6);
  }
  // Closeness of the words' nearest occurrences: 1 when adjacent, falling with the gap
  // (each pair of neighbouring words, their sorted positions walked once).
  function proximity(positions) {
    var best = Infinity;
    for (var k = 0; k + 1 < positions.length; k++) {
      var a = positions[k].slice().sort(byNumber), b = positions[k + 1].slice().sort(byNumber), i = 0, j = 0;
      while (i < a.length && j < b.length) {
        best = Math.min(best, Math.abs(a[i] - b[j]));
        if (a[i] < b[j]) i++; else j++;
      }
    }
    return 1 / (1 + best / 8);
  }
  function byNumber(x, y) { return x - y; }

  function valuesOf(index, r, key) {
    if (key === "year") return [index.year(r.ord)];
    var f = index.entry.facets.findIndex(function (x) { return x.key === key; });
    var facet = index.entry.facets[f];
    return r.doc.values[f].map(function (n) { return facet.values[n]; });
  }
  function passes(index, r, filters, except) {
    return Object.keys(filters).every(function (key) {
      return key === except || valuesOf(index, r, key).indexOf(filters[key]) >= 0;
    });
  }
  // For each facet, the values among the documents that pass every other filter (the
  // year alone unless the chunks were loaded).
  function facetCounts(index, scored, filters, loaded) {
    var keys = ["year"].concat(loaded ? index.entry.facets.map(function (f) { return f.key; }) : []);
    var labels = { year: "年份" };
    index.entry.facets.forEach(function (f) { labels[f.key] = f.label; });
    return keys.map(function (key) {
      var counts = new Map();
      scored.forEach(function (r) {
        if (!passes(index, r, filters, key)) return;
        valuesOf(index, r, key).forEach(function (v) { counts.set(v, (counts.get(v) || 0) + 1); });
      });
      var values = Array.from(counts.entries()).sort(function (a, b) {
        return key === "year" ? (a[0] < b[0] ? 1 : -1) : (b[1] - a[1]) || (a[0] < b[0] ? -1 : 1);
      });
      return { key: key, label: labels[key], values: values, selected: filters[key] || null };
    }).filter(function (f) { return f.values.length > 1 || f.selected; });
  }

  // -- what a result shows ----------------------------------------------------------------

  function present(index, query, r) {
    return index.card(r.ord).then(function (card) {
      var out = { ord: r.ord, url: card.u, title: card.t, number: card.n, agency: card.a, date: card.d,
        column: card.c, validity: card.v, inForce: !!card.f, score: r.score, snippet: [] };
      var body = index.entry.bases.body, first = Infinity;
      ((r.info && r.info.hits) || []).forEach(function (h) {
        h.hit.at.forEach(function (p) { if (p >= body && p < first) first = p; });
      });
      if (!card.p.length) return out;
      var k = 0;
      while (first < Infinity && k + 1 < card.p.length && card.p[k + 1][0] <= first) k++;
      return index.passage(r.ord, card, k).then(function (text) {
        out.snippet = highlight(index.norm, text, words(query));
        return out;
      }, function () { return out; });
    });
  }
  function words(query) {
    var out = query.wenhao ? [wenhaoWord(query.wenhao)] : [];
    query.terms.forEach(function (t) { out = out.concat(t.alternatives); });
    return out;
  }
  // The passage as [text, marked] pieces, every occurrence of a word marked (with
  // what normalisation dropped inside it: 信用“红黑名单” for 信用红黑名单).
  function highlight(norm, text, wanted) {
    var split = norm.split(text), chars = split.chars, from = split.from;
    var marked = new Uint8Array(text.length + 1);
    wanted.forEach(function (word) {
      var w = Array.from(word);
      for (var i = 0; i + w.length <= chars.length; i++) {
        var j = 0;
        while (j < w.length && chars[i + j] === w[j]) j++;
        if (j < w.length) continue;
        var last = from[i + w.length - 1], end = last + (text.codePointAt(last) > 0xffff ? 2 : 1);
        for (var k = from[i]; k < end; k++) marked[k] = 1;
      }
    });
    var pieces = [], start = 0;
    for (var k = 1; k <= text.length; k++) {
      if (k === text.length || marked[k] !== marked[start]) {
        pieces.push([text.slice(start, k), marked[start] === 1]);
        start = k;
      }
    }
    return pieces;
  }

  // "您要找的是否为 …": the document whose own 文号 the query is.
  function banner(index, query, found) {
    if (!query.wenhao || !found) return Promise.resolve(null);
    var own = [];
    found.forEach(function (info, doc) { if (info.tier === 2) own.push(doc); });
    // A few cards (a 文号 shared by thousands is a content error, not a reason to load them all).
    return Promise.all(own.slice(0, 5).map(function (o) { return index.card(o); })).then(function (cards) {
      return { wenhao: wenhaoText(query.wenhao), count: own.length,
        documents: cards.map(function (c) { return { url: c.u, title: c.t }; }) };
    });
  }

  // No results: explicit alternatives, never a silent substitute: the query without one
  // of its words (or, from three words, each word alone), the 文号's 机关代字 and year,
  // a "文号" that was meant as words.
  function suggest(index, query, out) {
    out.suggestions = [];
    var tries = [], words = query.terms.map(function (t) { return t.word; });
    if (query.wenhao) words.unshift(wenhaoText(query.wenhao));
    if (words.length > 1) {
      words.forEach(function (w, i) {
        tries.push({ q: words.filter(function (_, j) { return j !== i; }).join(" "), why: "去掉“" + w + "”" });
      });
    }
    if (words.length > 2) words.forEach(function (w) { tries.push({ q: w, why: "只搜“" + w + "”" }); });
    if (query.wenhao && !query.terms.length) {
      tries.push({ q: query.wenhao.agency + "〔" + query.wenhao.year + "〕", why: "同一机关代字和年份的文件" });
      var plain = index.norm.words(query.text).join(" ");
      if (plain && / /.test(query.text.trim())) tries.push({ q: plain, as: "words", why: "按词语搜索，不作文号" });
    }
    return Promise.all(tries.map(function (t) {
      var sub = understand(index, t.q, t.as === "words");
      return candidates(index, sub).then(function (found) {
        if (found && found.size) out.suggestions.push({ q: t.q, why: t.why, count: found.size, words: t.as === "words" });
      });
    })).then(function () { return out; });
  }

  // -- the search page ----------------------------------------------------------------------

  function httpLoader(rootUrl) {
    return function (path, range) {
      if (range && range[1] <= range[0]) return Promise.resolve(new Uint8Array(0));
      var init = range ? { headers: { Range: "bytes=" + range[0] + "-" + (range[1] - 1) } } : {};
      return fetch(rootUrl + path, init).then(function (response) {
        if (!response.ok) throw new Error(response.status + " " + path);
        return response.arrayBuffer();
      }).then(function (buffer) { return new Uint8Array(buffer); });
    };
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { node.append(c); });
    return node;
  }
  function address(q, filters, page) {
    var params = new URLSearchParams();
    if (q) params.set("q", q);
    Object.keys(filters).sort().forEach(function (k) { params.set(k, filters[k]); });
    if (page > 1) params.set("page", String(page));
    var text = params.toString();
    return text ? "?" + text : "./";
  }
  function shorten(filters, key) {
    var out = {};
    Object.keys(filters).forEach(function (k) { if (k !== key) out[k] = filters[k]; });
    return out;
  }
  function withFilter(filters, key, value) {
    var out = shorten(filters, key);
    out[key] = value;
    return out;
  }

  function start() {
    var app = document.querySelector("[data-search-app]");
    if (!app) return;
    var params = new URLSearchParams(location.search);
    var q = (params.get("q") || "").trim(), page = parseInt(params.get("page") || "1", 10) || 1;
    var filters = {};
    params.forEach(function (value, key) { if (["q", "page", "wh"].indexOf(key) < 0 && value) filters[key] = value; });
    var plain = params.get("wh") === "0";
    document.querySelectorAll("input[name=q]").forEach(function (input) { input.value = q; });
    app.hidden = false;
    var status = app.querySelector("[data-search-status]");
    if (!q && !Object.keys(filters).length) {
      status.textContent = "请输入关键词或文号，或按下列分类浏览。";
    } else {
      status.textContent = "正在搜索……";
    }
    var index = new Index(httpLoader(app.getAttribute("data-search-root")));
    var request = { q: q, filters: filters, page: page, plain: plain };
    search(index, request).then(function (out) {
      show(app, index, request, out);
    }, function () {
      status.textContent = "搜索暂时无法使用（索引文件读取失败），请稍后再试，或浏览政策文件列表。";
    });
  }

  function show(app, index, request, out) {
    var q = request.q, filters = out.filters;
    var status = app.querySelector("[data-search-status]");
    var notes = app.querySelector("[data-search-notes]");
    var list = app.querySelector("[data-search-results]");
    var browsing = !q && !Object.keys(filters).length;
    list.replaceChildren();
    notes.replaceChildren();
    if (browsing) status.textContent = "请输入关键词或文号，或按下列分类浏览（共 " + out.total + " 件）。";
    else if (out.total) status.textContent = "找到 " + out.total + " 条结果" + (out.pages > 1 ? "，第 " + out.page + " / " + out.pages + " 页" : "") + "。";
    else if (Object.keys(filters).length) status.textContent = "没有找到符合筛选条件的内容。";
    else status.textContent = "没有找到包含“" + q + "”的内容。";
    if (!browsing) {
      document.title = (q ? "“" + q + "”的搜索结果" : "筛选结果") + (out.pages > 1 ? "（第 " + out.page + " 页，共 " + out.pages + " 页）" : "") +
        " - " + document.title;
    }
    if (out.wenhao && out.wenhao.documents.length) {
      var p = el("p", {}, ["您要找的是否为 "]);
      out.wenhao.documents.forEach(function (d, i) {
        if (i) p.append("、");
        p.append(el("a", { href: index.href(d.url) }, [out.wenhao.wenhao + "　" + d.title]));
      });
      if (out.wenhao.count > out.wenhao.documents.length) p.append("等 " + out.wenhao.count + " 份文件");
      p.append("？");
      notes.append(el("div", { "class": "search-banner" }, [p]));
    }
    var synonyms = out.query.terms.filter(function (t) { return t.alternatives.length > 1; });
    if (synonyms.length) {
      notes.append(el("p", { "class": "search-note" }, ["同时搜索了同义词：" + synonyms.map(function (t) {
        return t.alternatives.join("、");
      }).join("；")]));
    }
    if (out.query.partial) {
      notes.append(el("p", { "class": "search-note" }, ["按文号筛选：机关代字“" + out.query.partial.agency + "”，" + out.query.partial.year + "年"]));
    }
    out.query.offers.forEach(function (o) {
      if (filters[o.facet]) return;
      var left = out.query.text.split(/\s+/).filter(function (w) { return index.norm.normalise(w) !== o.word; }).join(" ");
      notes.append(el("p", { "class": "search-note" }, ["“" + o.word + "”是" + o.label + "，可以",
        el("a", { href: address(left, withFilter(filters, o.facet, o.value), 1) }, ["只看" + o.label + "为“" + o.value + "”的结果"])]));
    });
    (out.suggestions || []).forEach(function (s) {
      var href = address(s.q, filters, 1) + (s.words ? (/\?/.test(address(s.q, filters, 1)) ? "&" : "?") + "wh=0" : "");
      notes.append(el("p", { "class": "search-note" }, ["您是不是要找：", el("a", { href: href }, [s.q]),
        "（" + s.why + "，" + s.count + " 条结果）"]));
    });
    if (!browsing) out.results.forEach(function (r) { list.append(result(index, r)); });
    list.setAttribute("start", String((out.page - 1) * index.page + 1));
    facets(app, index, request, out);
    pager(app, out, q, filters);
  }

  function result(index, r) {
    var meta = [];
    if (r.number) meta.push(el("span", {}, [r.number]));
    if (r.agency) meta.push(el("span", {}, [r.agency]));
    meta.push(el("time", { datetime: r.date }, [cnDate(r.date)]));
    meta.push(el("span", {}, [r.column]));
    if (r.validity) meta.push(el("span", { "class": r.inForce ? "badge badge-valid" : "badge" }, [r.validity]));
    var snippet = el("p", { "class": "snippet" });
    r.snippet.forEach(function (piece) { snippet.append(piece[1] ? el("mark", {}, [piece[0]]) : piece[0]); });
    return el("li", {}, [el("h3", {}, [el("a", { href: index.href(r.url) }, [r.title])]),
      el("p", { "class": "entry-meta result-meta" }, meta), snippet]);
  }
  function cnDate(iso) {
    var d = iso.split("-");
    return d[0] + "年" + (+d[1]) + "月" + (+d[2]) + "日";
  }

  // The facets counted (the year is always: a document's number gives it); the others
  // behind "更多筛选", counted when a reader opens it: a first query does not download
  // the facet chunks of every document it matches.
  function facets(app, index, request, out) {
    var box = app.querySelector("[data-search-facets]"), q = request.q, filters = out.filters;
    box.querySelectorAll(".facet, .facet-more").forEach(function (n) { n.remove(); });
    out.facets.forEach(function (facet, i) { box.append(facetList(facet, "facet-" + i, q, filters)); });
    var others = index.entry.facets.filter(function (f) { return f.values.length > 1; });
    if (!out.facetsLoaded && out.total > 1 && others.length) {
      var more = el("details", { "class": "facet-more" }, [el("summary", {}, ["更多筛选：" + others.map(function (f) {
        return f.label;
      }).join("、")])]);
      more.addEventListener("toggle", function () {
        if (!more.open || more.hasAttribute("data-loaded")) return;
        more.setAttribute("data-loaded", "");
        var wait = el("p", { "class": "facet-wait" }, ["正在统计……"]);
        more.append(wait);
        search(index, Object.assign({}, request, { facets: true })).then(function (full) {
          var shown = full.facets.filter(function (f) { return f.key !== "year"; });
          shown.forEach(function (f, i) { more.append(facetList(f, "facet-more-" + i, q, filters)); });
          if (shown.length) wait.remove();
          else wait.textContent = "这些结果的栏目、发文机关等都相同，无需再筛选。";
        }, function () {
          wait.textContent = "筛选条件暂时无法读取，请稍后再试。";
          more.removeAttribute("data-loaded");
        });
      });
      box.append(more);
    }
    box.hidden = !box.querySelector(".facet, .facet-more");
  }
  function facetList(facet, id, q, filters) {
    var items = el("ul", { "class": "facet-values", "aria-labelledby": id });
    if (facet.selected) {
      items.append(el("li", {}, [el("a", { href: address(q, shorten(filters, facet.key), 1), "class": "facet-clear" },
        ["清除“" + facet.label + "”筛选"])]));
    }
    facet.values.forEach(function (pair) {
      var link = el("a", { href: address(q, withFilter(filters, facet.key, pair[0]), 1) },
        [pair[0], el("span", { "class": "count" }, ["（" + pair[1] + "）"])]);
      if (facet.selected === pair[0]) link.setAttribute("aria-current", "true");
      items.append(el("li", {}, [link]));
    });
    return el("div", { "class": "facet" }, [el("h3", { id: id }, [facet.label]), items]);
  }

  function pager(app, out, q, filters) {
    var nav = app.querySelector("[data-search-pager]");
    nav.replaceChildren();
    nav.hidden = out.pages < 2;
    if (out.pages < 2) return;
    var items = el("ul");
    function item(number, text, rel) {
      var a = el("a", { href: address(q, filters, number) }, [text]);
      if (rel) a.setAttribute("rel", rel);
      if (number === out.page && !rel) a.setAttribute("aria-current", "page");
      items.append(el("li", {}, [a]));
    }
    if (out.page > 1) item(out.page - 1, "上一页", "prev");
    for (var n = 1; n <= out.pages; n++) {
      if (n === 1 || n === out.pages || Math.abs(n - out.page) <= 2) item(n, "第 " + n + " 页");
      else if (Math.abs(n - out.page) === 3) items.append(el("li", { "class": "pager-gap", "aria-hidden": "true" }, ["…"]));
    }
    if (out.page < out.pages) item(out.page + 1, "下一页", "next");
    nav.append(items, el("p", { "class": "pager-status" }, ["共 " + out.total + " 条，第 " + out.page + " / " + out.pages + " 页"]));
  }

  Index.prototype.page = PAGE;
  // A site-root URL as a link from the search page (which lives at /search/).
  Index.prototype.href = function (url) { return "../" + url.replace(/^\//, ""); };

  if (typeof document !== "undefined") {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
    else start();
  }

  var engine = { Index: Index, Normaliser: Normaliser, search: search, fnv: fnv, highlight: highlight,
    parseWenhao: parseWenhao, parsePartial: parsePartial, PAGE: PAGE };
  if (typeof module !== "undefined" && module.exports) module.exports = engine;
  if (typeof document !== "undefined") root.GongkaiSearch = engine;
})(typeof globalThis !== "undefined" ? globalThis : this);
