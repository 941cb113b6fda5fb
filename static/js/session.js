// Two minutes before an idle session ends, offer to stay signed in; what was typed is never thrown away.
// The server notes each request's time in the sx_active cookie ("<epoch seconds>:<tag>:<signature>").
(function () {
  "use strict";
  var box = document.getElementById("session-warning");
  if (!box) { return; }
  var idle = parseInt(box.getAttribute("data-idle-seconds"), 10) * 1000;
  var warnBefore = 120 * 1000;

  function serverSeen() {
    var match = document.cookie.match(/(?:^|;\s*)sx_active="?(\d+):/);
    return match ? parseInt(match[1], 10) * 1000 : null;
  }
  // the server's clock and the browser's may differ: measure the difference once, on this page's load
  var loadedSeen = serverSeen();
  var skew = loadedSeen ? Date.now() - loadedSeen : 0;

  function remaining() {
    var seen = serverSeen();
    if (seen === null) { return -1; }
    return seen + skew + idle - Date.now();
  }
  function show(which) {
    box.hidden = which === null;
    box.querySelectorAll(".js-session-soon, .js-session-stay").forEach(function (el) { el.hidden = which !== "soon"; });
    box.querySelectorAll(".js-session-gone").forEach(function (el) { el.hidden = which !== "gone"; });
  }
  function check() {
    var left = remaining();
    if (left <= 0) { show("gone"); } else if (left <= warnBefore) { show("soon"); } else { show(null); }
  }
  box.querySelector(".js-session-stay").addEventListener("click", function () {
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    fetch(box.getAttribute("data-keep-alive-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: token ? { "X-CSRFToken": token.value } : {}
    }).then(function (response) {
      if (response.ok) { loadedSeen = serverSeen(); skew = loadedSeen ? Date.now() - loadedSeen : skew; }
      check();
    }).catch(check);
  });
  window.setInterval(check, 5000);
  check();
})();
