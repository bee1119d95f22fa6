// Heard feedback form, enhanced: post JSON and show the thank-you in place. Without this
// script the form posts as a plain HTML form and the answer is a page; both say the same.
(function () {
  "use strict";
  var form = document.querySelector("form[data-heard-feedback]");
  if (!form || !window.fetch || !window.JSON) { return; }
  var alertBox = form.querySelector(".error");

  function showError(message, field) {
    alertBox.textContent = message;
    alertBox.hidden = false;
    var fields = form.querySelectorAll("[aria-invalid]");
    for (var i = 0; i < fields.length; i++) { fields[i].removeAttribute("aria-invalid"); }
    var input = field ? form.querySelector("[name='" + field + "']") : null;
    if (input) { input.setAttribute("aria-invalid", "true"); input.focus(); }
  }

  function payload() {
    var data = {};
    var elements = form.elements;
    for (var i = 0; i < elements.length; i++) {
      var el = elements[i];
      if (!el.name || el.disabled) { continue; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { continue; }
      if (data[el.name] === undefined) { data[el.name] = el.value; }
    }
    if (data.rating) { data.rating = parseInt(data.rating, 10); }
    return data;
  }

  function thanks() {
    var done = document.createElement("div");
    done.className = "thanks";
    done.setAttribute("role", "status");
    var title = document.createElement("h2");
    title.textContent = "Thank you";
    var text = document.createElement("p");
    text.textContent = "We have your feedback. If you left an email address, we can answer you there.";
    done.appendChild(title);
    done.appendChild(text);
    form.parentNode.replaceChild(done, form);
    done.setAttribute("tabindex", "-1");
    done.focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = form.querySelector("button[type='submit']");
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(payload()),
      credentials: "omit"
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; },
        function () { return { status: response.status, body: null }; });
    }).then(function (answer) {
      if (answer.status === 200 && answer.body && answer.body.ok) { thanks(); return; }
      var error = (answer.body && answer.body.error) || {};
      showError(error.message || "Your feedback was not sent (" + answer.status + "). Please try again.", error.field);
      button.disabled = false;
    }, function () {
      showError("Your feedback was not sent: the connection failed. Please try again.");
      button.disabled = false;
    });
  });
})();
