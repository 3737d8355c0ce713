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

  return { pageWidth, overflowing, clipped, overlaps, rememberUnfocused, focused };
})();
