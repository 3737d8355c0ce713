// DOM measurements for the browser tests, loaded into a page with page.evaluate
// (which Content-Security-Policy does not block). Defines window.__measure; every
// function returns plain JSON so Python can format the failure messages.
window.__measure = (() => {
  const FOCUSABLE = "a[href], area[href], button, input, select, textarea, summary, iframe, [tabindex], [contenteditable='true']";
  const CLIPPING = new Set(["hidden", "clip"]);

  // A selector a person can find in the page: tag#id.classes, with its ancestors up to
  // the nearest id (or body), and :nth-of-type where siblings share a tag.
  function selector(el) {
    const parts = [];
    for (let node = el; node && node.nodeType === 1 && node !== document.documentElement; node = node.parentElement) {
      let part = node.localName;
      if (node.id) { parts.unshift(`${part}#${node.id}`); break; }
      if (node.classList.length) part += "." + [...node.classList].join(".");
      const parent = node.parentElement;
      if (parent) {
        const same = [...parent.children].filter((child) => child.localName === node.localName);
        if (same.length > 1 && !node.classList.length) part += `:nth-of-type(${same.indexOf(node) + 1})`;
      }
      parts.unshift(part);
      if (node.localName === "body") break;
    }
    return parts.join(" > ");
  }

  function snippet(el) {
    return (el.innerText || el.textContent || "").replace(/\s+/g, " ").trim().slice(0, 40);
  }

  function describe(el) {
    const rect = el.getBoundingClientRect();
    return { selector: selector(el), text: snippet(el), left: Math.round(rect.left), right: Math.round(rect.right),
             width: Math.round(rect.width), top: Math.round(rect.top), bottom: Math.round(rect.bottom) };
  }

  function rendered(el) {
    const rect = el.getBoundingClientRect();
    return rect.width > 0 && rect.height > 0 && getComputedStyle(el).visibility !== "hidden";
  }

  // The visually-hidden pattern (1 px box, clipped on purpose for screen readers).
  function visuallyHidden(el) {
    for (let node = el; node && node !== document.body; node = node.parentElement) {
      const rect = node.getBoundingClientRect();
      if (rect.width <= 1 || rect.height <= 1) return true;
    }
    return false;
  }

  // Inside a box that scrolls or clips horizontally, so it can't widen the page.
  function insideHorizontalScroller(el) {
    for (let node = el.parentElement; node && node !== document.body; node = node.parentElement) {
      if (getComputedStyle(node).overflowX !== "visible") return true;
    }
    return false;
  }

  // Elements that stick out past `limit` (or before 0) and are not inside a scrolling
  // box: the outermost ones, widest first. These are what make the page scroll sideways.
  function overflowing(limit) {
    const sticking = new Set();
    for (const el of document.body.querySelectorAll("*")) {
      if (!rendered(el) || insideHorizontalScroller(el)) continue;
      const rect = el.getBoundingClientRect();
      if (rect.right > limit + 0.5 || rect.left < -0.5) sticking.add(el);
    }
    const outermost = [...sticking].filter((el) => !sticking.has(el.parentElement));
    return outermost.map(describe).sort((a, b) => b.right - a.right).slice(0, 8);
  }

  function pageWidth() {
    return { scrollWidth: document.documentElement.scrollWidth, viewport: window.innerWidth };
  }

  // Elements holding text that is cut off: content larger than the box on an axis whose
  // overflow is hidden or clip (this includes text-overflow: ellipsis).
  function clipped() {
    const found = [];
    for (const el of document.body.querySelectorAll("*")) {
      if (!rendered(el) || !snippet(el) || visuallyHidden(el)) continue;
      const style = getComputedStyle(el);
      const cutX = CLIPPING.has(style.overflowX) && el.scrollWidth > el.clientWidth + 1;
      const cutY = CLIPPING.has(style.overflowY) && el.scrollHeight > el.clientHeight + 1;
      if (cutX || cutY) {
        found.push({ ...describe(el), axis: cutX ? "horizontal" : "vertical",
                     overflow: cutX ? style.overflowX : style.overflowY,
                     content: cutX ? el.scrollWidth : el.scrollHeight, box: cutX ? el.clientWidth : el.clientHeight });
      }
    }
    return found.slice(0, 8);
  }

  // Visible runs of text (one per text node, line by line) inside `scope`.
  function textRuns(scope) {
    const runs = [];
    for (const root of document.querySelectorAll(scope)) {
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (!node.data.trim() || runs.some((run) => run.node === node)) continue;
        const owner = node.parentElement;
        if (!rendered(owner) || visuallyHidden(owner)) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
        if (rects.length) runs.push({ node, owner, rects });
      }
    }
    return runs;
  }

  // Pairs of text runs in `scope` whose boxes overlap by more than `tolerance` px
  // both ways: text drawn over other text.
  function overlaps(scope, tolerance) {
    const runs = textRuns(scope);
    const found = [];
    for (let i = 0; i < runs.length; i++) {
      for (let j = i + 1; j < runs.length; j++) {
        const hit = runs[i].rects.some((a) => runs[j].rects.some((b) => {
          const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
          const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
          return x > tolerance && y > tolerance;
        }));
        if (hit) {
          found.push({ first: selector(runs[i].owner), firstText: runs[i].node.data.trim().slice(0, 30),
                       second: selector(runs[j].owner), secondText: runs[j].node.data.trim().slice(0, 30) });
        }
      }
    }
    return found.slice(0, 8);
  }

  // Focus: remember every focusable element's unfocused look, then compare.
  const FOCUS_PROPS = ["outlineStyle", "outlineWidth", "outlineColor", "boxShadow", "backgroundColor"];
  let focusables = [];
  let unfocused = [];

  function look(el) {
    const style = getComputedStyle(el);
    return Object.fromEntries(FOCUS_PROPS.map((prop) => [prop, style[prop]]));
  }

  function rememberUnfocused() {
    if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
    focusables = [...document.querySelectorAll(FOCUSABLE)];
    unfocused = focusables.map(look);
    return focusables.length;
  }

  function focused() {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return null;
    const index = focusables.indexOf(el);
    const rect = el.getBoundingClientRect();
    return {
      index, selector: selector(el), text: snippet(el), id: el.id, className: el.className,
      href: el.href || "", focused: look(el), unfocused: index >= 0 ? unfocused[index] : null,
      rect: { left: rect.left, top: rect.top, right: rect.right, bottom: rect.bottom, width: rect.width, height: rect.height },
      viewport: { width: window.innerWidth, height: window.innerHeight },
    };
  }

  // -- reading settings (test_reading_settings.py) --

  // The text colour of each rendered element matching `scope` that holds text, and the
  // background colours from the element up to <html> (Python composites them).
  function colours(scope) {
    const found = [];
    for (const el of document.querySelectorAll(scope)) {
      if (!rendered(el) || visuallyHidden(el) || !snippet(el)) continue;
      const backgrounds = [];
      for (let node = el; node; node = node.parentElement) backgrounds.push(getComputedStyle(node).backgroundColor);
      found.push({ selector: selector(el), text: snippet(el), colour: getComputedStyle(el).color, backgrounds });
    }
    return found;
  }

  // Font size and line height (px; null for "normal") of each rendered element matching
  // `scope` that holds text, with the length of its text.
  function textStyle(scope) {
    return [...document.querySelectorAll(scope)].filter((el) => rendered(el) && snippet(el)).map((el) => {
      const style = getComputedStyle(el);
      return { selector: selector(el), text: snippet(el), length: (el.innerText || "").trim().length,
               fontSize: parseFloat(style.fontSize),
               lineHeight: style.lineHeight === "normal" ? null : parseFloat(style.lineHeight) };
    });
  }

  // Text of `el` that is not inside a link or button.
  function textOutsideTargets(el) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    let text = "";
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.parentElement.closest("a, button")) text += node.data;
    }
    return text.replace(/\s+/g, "");
  }

  // Every rendered link and button with its box, and where it sits: inside the
  // document's own body, or in a paragraph that has text besides its links (a sentence).
  function targets() {
    return [...document.querySelectorAll("a[href], button")].filter(rendered).map((el) => {
      const rect = el.getBoundingClientRect();
      const paragraph = el.closest("p");
      return { ...describe(el), exactWidth: rect.width, exactHeight: rect.height,
               inDocumentBody: !!el.closest(".document-body"),
               inSentence: !!paragraph && textOutsideTargets(paragraph) !== "" };
    });
  }

  // Running animations, and elements (or their ::before/::after) with a transition or
  // animation that lasts longer than 0 s.
  function motion() {
    const lasting = (durations) => durations.split(",").some((d) => parseFloat(d) > 0);
    const moving = [];
    for (const el of document.querySelectorAll("*")) {
      for (const pseudo of [null, "::before", "::after"]) {
        const style = getComputedStyle(el, pseudo);
        const animated = style.animationName !== "none" && lasting(style.animationDuration);
        if (lasting(style.transitionDuration) || animated) {
          moving.push({ selector: selector(el) + (pseudo || ""), text: snippet(el),
                        transition: `${style.transitionProperty} ${style.transitionDuration}`,
                        animation: `${style.animationName} ${style.animationDuration}` });
        }
      }
    }
    const animations = document.getAnimations().map((a) => ({
      name: a.animationName || a.transitionProperty || a.id || a.constructor.name,
      target: a.effect && a.effect.target ? selector(a.effect.target) : "?" }));
    return { animations, moving: moving.slice(0, 8), movingCount: moving.length };
  }

  // Each element matching `scope`: its text, where it leads, whether it is rendered, and
  // whether a click at its centre would reach it (nothing drawn over it there).
  function hitTest(scope) {
    return [...document.querySelectorAll(scope)].map((el) => {
      const rect = el.getBoundingClientRect();
      const top = document.elementFromPoint(rect.left + rect.width / 2, rect.top + rect.height / 2);
      return { selector: selector(el), text: snippet(el), href: el.href || "", rendered: rendered(el),
               hit: !!top && (top === el || el.contains(top)), over: top && top !== el && !el.contains(top) ? selector(top) : "" };
    });
  }

  // The reading settings as the page shows them: the attributes on <html>, what is
  // stored, whether the control and its panel are shown, and the pressed buttons.
  function readingState() {
    const root = document.documentElement;
    const box = document.querySelector("[data-reading]");
    const button = (hook) => box && box.querySelector(hook);
    let stored = null;
    try { stored = window.localStorage.getItem("gongkai-reading"); } catch (e) { stored = "(storage unavailable)"; }
    return {
      size: root.getAttribute("data-text-size"), contrast: root.getAttribute("data-contrast"),
      spacing: root.getAttribute("data-spacing"), stored,
      control: !!box && rendered(box), panel: !!button("#reading-panel") && rendered(button("#reading-panel")),
      expanded: button("[data-reading-toggle]") ? button("[data-reading-toggle]").getAttribute("aria-expanded") : null,
      sizesPressed: box ? [...box.querySelectorAll("[data-size]")]
        .filter((b) => b.getAttribute("aria-pressed") === "true").map((b) => b.getAttribute("data-size")) : [],
      contrastPressed: button("[data-contrast-toggle]") ? button("[data-contrast-toggle]").getAttribute("aria-pressed") : null,
      spacingPressed: button("[data-spacing-toggle]") ? button("[data-spacing-toggle]").getAttribute("aria-pressed") : null,
      rootFontSize: parseFloat(getComputedStyle(root).fontSize),
    };
  }

  // -- tables shown as cards on a phone (test_catalog_pages.py) --

  // Each <table> inside `scope` with every cell that holds text: its box, whether its
  // text is drawn inside that box and inside the viewport, whether its content is wider
  // or taller than the box, the label its ::before shows, and its row; plus the caption.
  function cardTables(scope) {
    const viewport = document.documentElement.clientWidth;
    const cellInfo = (cell, rowIndex) => {
      const box = cell.getBoundingClientRect();
      const range = document.createRange();
      range.selectNodeContents(cell);
      const lines = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
      const before = getComputedStyle(cell, "::before").content;
      return {
        ...describe(cell), row: rowIndex, tag: cell.localName, header: !!cell.closest("thead"),
        display: getComputedStyle(cell).display, label: cell.getAttribute("data-label"),
        shownLabel: before && before !== "none" && before !== "normal" ? before : null,
        hidden: !rendered(cell) || visuallyHidden(cell),
        textInBox: lines.every((r) => r.left >= box.left - 1 && r.right <= box.right + 1
                                      && r.top >= box.top - 1 && r.bottom <= box.bottom + 1),
        textInViewport: lines.every((r) => r.left >= -0.5 && r.right <= viewport + 0.5),
        fits: cell.scrollWidth <= cell.clientWidth + 1 && cell.scrollHeight <= cell.clientHeight + 1,
      };
    };
    return [...document.querySelectorAll(`${scope} table`)].map((table) => {
      const caption = table.querySelector("caption");
      const rows = [...table.querySelectorAll("tr")];
      const cells = rows.flatMap((row, index) => [...row.children].filter(snippet).map((cell) => cellInfo(cell, index)));
      return {
        selector: selector(table), viewport,
        caption: caption ? { ...describe(caption), hidden: !rendered(caption) || visuallyHidden(caption) } : null,
        rows: rows.map((row) => ({ index: rows.indexOf(row), group: row.classList.contains("catalog-group"),
                                   header: !!row.closest("thead"), cells: row.children.length })),
        cells,
      };
    });
  }

  return { pageWidth, overflowing, clipped, overlaps, rememberUnfocused, focused,
           colours, textStyle, targets, motion, hitTest, readingState, cardTables };
})();
