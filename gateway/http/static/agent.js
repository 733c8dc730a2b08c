/* The agents' page, enhanced: results as you type, and the screen pop of incoming calls.
   Without JavaScript the search is an ordinary GET form and nothing else changes. */
(function () {
  "use strict";

  var form = document.getElementById("search");
  var input = document.getElementById("q");
  var results = document.getElementById("results");
  var status = document.getElementById("results-status");
  var timer = null;
  var controller = null;

  function announce(container) {
    var body = container.querySelector("[data-summary]");
    if (status && body) {
      status.textContent = body.getAttribute("data-summary");
    }
  }

  function search() {
    var q = input.value.trim();
    if (controller) {
      controller.abort();
    }
    controller = new AbortController();
    fetch("/agent/results?q=" + encodeURIComponent(q), {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
      signal: controller.signal
    }).then(function (response) {
      if (response.redirected) {
        window.location.reload(); /* signed out meanwhile: the page goes to sign-in */
        return null;
      }
      return response.text();
    }).then(function (html) {
      if (html === null) {
        return;
      }
      results.innerHTML = html;
      announce(results);
      window.history.replaceState(null, "", q ? "/agent?q=" + encodeURIComponent(q) : "/agent");
    }).catch(function (error) {
      if (error.name !== "AbortError" && status) {
        status.textContent = "The search did not answer. Press Enter to search again.";
      }
    });
  }

  if (form && input && results && window.fetch && window.AbortController) {
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 150);
    });
  }

  var list = document.getElementById("call-list");
  var connection = document.getElementById("connection");
  if (list && connection && window.EventSource) {
    var source = new EventSource("/agent/events");
    source.addEventListener("open", function () {
      connection.textContent = "Live: incoming calls show here.";
      connection.setAttribute("data-state", "live");
    });
    source.addEventListener("error", function () {
      connection.textContent = "Reconnecting to incoming calls…";
      connection.setAttribute("data-state", "reconnecting");
    });
    source.addEventListener("call", function (event) {
      var data = JSON.parse(event.data);
      var item = document.createElement("div");
      item.className = "call-item";
      item.innerHTML = data.html;
      list.insertBefore(item, list.firstChild);
      while (list.children.length > 5) {
        list.removeChild(list.lastChild);
      }
      connection.textContent = data.said || "Incoming call from " + data.number + ".";
    });
  }
}());
