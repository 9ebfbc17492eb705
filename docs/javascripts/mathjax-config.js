// MathJax 4 settings for pymdownx.arithmatex in generic mode: typeset only what arithmatex marked.

// On a phone, display equations start at the left: a centred equation with a number (\tag) keeps room for
// the number on both sides, which a column of 358 px cannot spare for a matrix.
const litbackpropNarrow = () => window.innerWidth < 720;

window.MathJax = {
  loader: {
    // the font's glyphs beyond the common ones, served by the site (docs/_hooks/assets.py), not from a CDN
    paths: { fonts: "[mathjax]/fonts" },
  },
  tex: {
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true,
    tags: "none",
  },
  output: {
    // A display equation wider than its column is broken into lines, at its operators and relations, as
    // TeX would: on a phone nothing is cut off, and nothing is shrunk. Inline math is never broken: a number
    // would be split from its power of ten ("4.2" at a line's end, "× 10⁻⁴" on the next); the widest inline
    // formula of the course is 233 px, in a phone's column of 358.
    displayOverflow: "linebreak",
    linebreaks: { inline: false, width: "100%" },
    displayAlign: litbackpropNarrow() ? "left" : "center",
    displayIndent: "0",
  },
  svg: { fontCache: "global" },
  options: {
    ignoreHtmlClass: ".*|",
    processHtmlClass: "arithmatex",
    enableEnrichment: false,
    enableSpeech: false,
    enableBraille: false,
    enableAssistiveMml: true,
    menuOptions: { settings: { enrich: false, speech: false, braille: false, assistiveMml: true } },
  },
  startup: {
    ready() {
      MathJax.startup.defaultReady();
      // Lines are broken for the column's width when the page is typeset: a phone turned on its side, or a
      // window resized, gets its equations broken again for the new width. The page marks the width it
      // has broken them for (the browser test waits for it).
      let width = window.innerWidth;
      let timer = null;
      const mark = () => { document.documentElement.dataset.mathWidth = String(width); };
      MathJax.startup.promise.then(mark);
      window.addEventListener("resize", () => {
        if (window.innerWidth === width) return; // a height alone (a phone's toolbar) changes no line
        width = window.innerWidth;
        clearTimeout(timer);
        // from the metrics on: the column's width is measured again, and every line broken for it
        const metrics = MathJax._.core.MathItem.STATE.METRICS;
        const options = MathJax.startup.document.outputJax.options;
        options.displayAlign = litbackpropNarrow() ? "left" : "center";
        timer = setTimeout(() => MathJax.startup.document.rerenderPromise(metrics).then(mark), 100);
      });
    },
  },
};
