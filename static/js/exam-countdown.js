/* Exam countdown: a convenience on top of the time the server printed in the page.
 *
 * The server keeps the real deadline. This script only counts down from the number of seconds the
 * page was rendered with, announces the last minutes to screen readers, and when the count reaches
 * zero submits the form, so that the answers on screen reach the server within its grace period.
 * Without it the page still shows the time left and the deadline, and everything works.
 */
(function () {
  "use strict";

  var clock = document.querySelector("[data-countdown]");
  if (!clock) {
    return;
  }
  var seconds = parseInt(clock.getAttribute("data-seconds"), 10);
  if (isNaN(seconds)) {
    return;
  }
  var form = document.getElementById(clock.getAttribute("data-form"));
  var announce = document.querySelector("[data-countdown-announce]");
  var end = Date.now() + seconds * 1000;
  var announced = {};
  var timer = null;

  function label(left) {
    var minutes = Math.floor(left / 60);
    var rest = left % 60;
    return minutes + " min " + (rest < 10 ? "0" : "") + rest + " s";
  }

  function submitForm() {
    if (!form) {
      return;
    }
    var button = form.querySelector('button[name="submit"]');
    if (typeof form.requestSubmit === "function" && button) {
      form.requestSubmit(button);
      return;
    }
    var marker = document.createElement("input");
    marker.type = "hidden";
    marker.name = "submit";
    marker.value = "1";
    form.appendChild(marker);
    form.submit();
  }

  function tick() {
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    clock.textContent = label(left);
    [600, 300, 60].forEach(function (mark) {
      if (left <= mark && left > mark - 5 && !announced[mark] && announce) {
        announced[mark] = true;
        announce.textContent = mark / 60 + " minute" + (mark === 60 ? "" : "s") + " left.";
      }
    });
    if (left === 0) {
      window.clearInterval(timer);
      if (announce) {
        announce.textContent = "Time is up. Your answers are being submitted.";
      }
      submitForm();
    }
  }

  timer = window.setInterval(tick, 1000);
  tick();
})();
