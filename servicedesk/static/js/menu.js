/* The header's menu on a phone (issue 10 item 9): under 600 px the navigation and the user's
   links fold under the "Menu" button; the stylesheet folds them only once this script has run
   (the "menu-ready" class), so without script the header simply stays open. */
(function () {
  "use strict";
  var header = document.querySelector(".topbar");
  var button = header && header.querySelector(".menu-toggle");
  if (!button) { return; }
  button.hidden = false;
  header.classList.add("menu-ready");
  button.addEventListener("click", function () {
    var open = header.classList.toggle("menu-open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
})();
