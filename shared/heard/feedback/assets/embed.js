// Heard feedback snippet: a form in the brand's own page, posting JSON to Heard cross-origin.
//   <script src="https://HEARD-API/feedback/assets/embed.js" data-brand="acme" defer></script>
// The page's origin must be in the brand's feedback.allowed_origins. Optional attributes:
// data-target="#element-id" (where the form goes; default: right after this script tag).
// A CAPTCHA widget placed inside the target element is posted with the form.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.fetch) { return; }
  var brand = script.getAttribute("data-brand");
  if (!brand) { return; }
  var endpoint = new URL("../" + encodeURIComponent(brand), script.src).href;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var key in attrs) { if (Object.prototype.hasOwnProperty.call(attrs, key)) { node.setAttribute(key, attrs[key]); } }
    if (text) { node.textContent = text; }
    return node;
  }

  var target = script.getAttribute("data-target");
  var host = target ? document.querySelector(target) : null;
  var form = el("form", { "class": "heard-feedback-embed", "novalidate": "" });
  var error = el("p", { "class": "heard-error", "role": "alert" });
  error.hidden = true;
  var id = "heard-" + Math.random().toString(36).slice(2);
  form.appendChild(error);
  form.appendChild(el("label", { "for": id + "-text" }, "Your feedback"));
  form.appendChild(el("textarea", { "id": id + "-text", "name": "text", "rows": "5", "maxlength": "5000", "required": "" }));
  form.appendChild(el("label", { "for": id + "-email" }, "Email (optional, for a private answer)"));
  form.appendChild(el("input", { "id": id + "-email", "name": "email", "type": "email", "maxlength": "254" }));
  var rating = el("select", { "id": id + "-rating", "name": "rating" });
  rating.appendChild(el("option", { "value": "" }, "Rating (optional)"));
  for (var n = 5; n >= 1; n--) { rating.appendChild(el("option", { "value": String(n) }, n + " of 5")); }
  form.appendChild(el("label", { "for": id + "-rating" }, "Rating"));
  form.appendChild(rating);
  var trap = el("input", { "name": "website", "type": "text", "tabindex": "-1", "autocomplete": "off", "aria-hidden": "true" });
  trap.style.position = "absolute";
  trap.style.left = "-10000px";
  form.appendChild(trap);
  var button = el("button", { "type": "submit" }, "Send feedback");
  form.appendChild(button);
  if (host) { host.insertBefore(form, host.firstChild); } else { script.parentNode.insertBefore(form, script.nextSibling); }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = {};
    var scope = host || form;
    var fields = scope.querySelectorAll("input, textarea, select");
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.name && data[f.name] === undefined && f.value) { data[f.name] = f.value; }
    }
    if (data.rating) { data.rating = parseInt(data.rating, 10); }
    button.disabled = true;
    fetch(endpoint, {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(data)
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; },
        function () { return { status: response.status, body: null }; });
    }).then(function (answer) {
      if (answer.status === 200 && answer.body && answer.body.ok) {
        var done = el("p", { "class": "heard-thanks", "role": "status" }, "Thank you: we have your feedback.");
        form.parentNode.replaceChild(done, form);
        return;
      }
      var problem = (answer.body && answer.body.error) || {};
      error.textContent = problem.message || "Your feedback was not sent (" + answer.status + ").";
      error.hidden = false;
      button.disabled = false;
    }, function () {
      error.textContent = "Your feedback was not sent: the connection failed (is this site an allowed origin?).";
      error.hidden = false;
      button.disabled = false;
    });
  });
})();
