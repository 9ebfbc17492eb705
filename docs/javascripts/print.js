// On paper every collapsed section is open: the checks and the solutions are part of the course. The page made
// for printing (print_page.html) opens them as it loads; any page opens them when the browser prints it.
(function () {
  function openAll() {
    document.querySelectorAll("details").forEach(function (section) {
      section.open = true;
    });
  }
  window.addEventListener("beforeprint", openAll);
  if (document.getElementById("print-site-page")) {
    openAll();
    document.addEventListener("DOMContentLoaded", openAll);
  }
})();
