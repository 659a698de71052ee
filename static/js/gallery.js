/* Gallery enhancements; every page works without them.
 * - "Next page" loads the next cards in place (and again when the link scrolls into view).
 * - Photos open in a lightbox (<dialog>); without JS the link opens the full-size image.
 * - "Copy link" copies the entry's address and counts the share with a beacon. */
(function () {
  "use strict";

  function loadMore(link, grid) {
    if (link.dataset.busy) { return; }
    link.dataset.busy = "1";
    var label = link.textContent;
    link.textContent = link.dataset.loading || label;
    fetch(link.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var cards = doc.querySelectorAll("#gallery-grid > li");
        for (var i = 0; i < cards.length; i++) { grid.appendChild(document.importNode(cards[i], true)); }
        var next = doc.getElementById("gallery-next");
        if (next) {
          link.href = next.getAttribute("href");
          link.textContent = label;
          delete link.dataset.busy;
        } else {
          link.parentNode.removeChild(link);
        }
      })
      .catch(function () {
        link.textContent = label;  // the plain link still works: a click navigates
        delete link.dataset.busy;
        link.dataset.failed = "1";
      });
  }

  function setUpMore() {
    var link = document.getElementById("gallery-next");
    var grid = document.getElementById("gallery-grid");
    if (!link || !grid || !window.fetch || !window.DOMParser) { return; }
    link.addEventListener("click", function (event) {
      if (link.dataset.failed) { return; }
      event.preventDefault();
      loadMore(link, grid);
    });
    if ("IntersectionObserver" in window) {
      var observer = new IntersectionObserver(function (items) {
        if (items[0].isIntersecting && !link.dataset.failed && document.body.contains(link)) { loadMore(link, grid); }
      }, { rootMargin: "600px 0px" });
      observer.observe(link);
    }
  }

  function setUpLightbox() {
    var dialog = document.getElementById("lightbox");
    var image = document.getElementById("lightbox-img");
    if (!dialog || typeof dialog.showModal !== "function") { return; }
    document.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a[data-lightbox]") : null;
      if (!link) { return; }
      event.preventDefault();
      var thumb = link.querySelector("img");
      image.alt = thumb ? thumb.alt : "";
      image.src = link.href;
      dialog.showModal();
    });
    dialog.addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("close", function () { image.removeAttribute("src"); });
  }

  function setUpCopy() {
    var button = document.getElementById("copy-link");
    var field = document.getElementById("share-url");
    if (!button) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var url = button.dataset.url;
      var copied = navigator.clipboard && window.isSecureContext
        ? navigator.clipboard.writeText(url)
        : new Promise(function (resolve, reject) {
          field.focus();
          field.select();
          try { if (document.execCommand("copy")) { resolve(); } else { reject(new Error("copy")); } }
          catch (error) { reject(error); }
        });
      copied.then(function () {
        button.textContent = button.dataset.done;
        if (navigator.sendBeacon) {
          var form = new FormData();
          form.append("csrf_token", button.dataset.csrf);
          navigator.sendBeacon(button.dataset.beacon, form);
        }
      }, function () { field.focus(); field.select(); });
    });
  }

  setUpMore();
  setUpLightbox();
  setUpCopy();
})();
