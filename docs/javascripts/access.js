// Material puts each code block's copy button in a <nav>: a landmark per code block, all of them unnamed, which a
// screen reader lists among the page's landmarks (axe-core's landmark-unique). A copy button is not a way through
// the site: its <nav> is given no role.
(function () {
  function unmark(node) {
    if (!(node instanceof Element)) return;
    const navs = node.matches("nav.md-code__nav") ? [node] : node.querySelectorAll("nav.md-code__nav");
    navs.forEach(function (nav) {
      nav.setAttribute("role", "none");
    });
  }
  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      change.addedNodes.forEach(unmark);
    });
  }).observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", function () {
    unmark(document.body);
  });
})();
