/* Language switcher: keep the page's search parameters (e.g. /search/?insurance=masshealth) when changing
 * edition. The links already point to the same page in each edition; this only adds location.search. No strings. */
(function () {
  "use strict";
  document.querySelectorAll(".language-switcher a[data-edition]").forEach(function (link) {
    link.addEventListener("click", function () {
      if (location.search && link.href.indexOf("?") < 0) {
        link.href = link.href.split("#")[0] + location.search;
      }
    });
  });
})();
