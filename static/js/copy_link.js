// Copy the new invitation link; without the clipboard API the text is selected for Ctrl+C.
(function () {
  "use strict";
  document.querySelectorAll(".js-copy").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.dataset.copyTarget);
      var label = button.querySelector("span");
      var done = function () { label.textContent = button.dataset.copied; };
      input.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  });
})();
