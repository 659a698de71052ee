/* The display wall: advance slides every N seconds, unattended for days.
 * One set of elements is reused for every slide and one Image() preloads the next picture, so memory
 * stays flat. A picture that fails to load is skipped and the last good slide stays up; the playlist is
 * refetched every few minutes (a failed fetch keeps the old one) and the page reloads once a day, but
 * only after the server answered, so a network outage never leaves the screen on an error page. */
(function () {
  "use strict";

  var stage = document.getElementById("wall");
  if (!stage) { return; }
  var seconds = Math.max(4, parseInt(stage.dataset.seconds, 10) || 12);
  var PLAYLIST_EVERY = 5 * 60 * 1000;
  var RELOAD_AFTER = 24 * 60 * 60 * 1000;
  var RETRY_RELOAD = 60 * 1000;
  var slides = [];
  try { slides = JSON.parse(document.getElementById("wall-slides").textContent) || []; } catch (error) { slides = []; }
  var index = 0;
  var failures = 0;
  var preloader = new Image();
  var parts = null;

  function el(tag, className, parent) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (parent) { parent.appendChild(node); }
    return node;
  }

  function ensureParts() {
    if (parts) { return parts; }
    var figure = stage.querySelector(".wall-slide");
    if (!figure) {
      stage.textContent = "";
      figure = el("figure", "wall-slide", stage);
      el("img", "wall-slide__image", figure);
      var caption = el("figcaption", "wall-slide__caption", figure);
      var text = el("span", "wall-slide__text", caption);
      el("span", "wall-slide__title", text);
      el("span", "wall-slide__author", text);
      el("span", "wall-slide__qr", caption);
    }
    var image = figure.querySelector(".wall-slide__image") || el("img", "wall-slide__image", figure);
    figure.insertBefore(image, figure.firstChild);
    var qr = figure.querySelector(".wall-slide__qr");
    var qrImage = el("img");
    qrImage.alt = "";
    parts = {
      image: image, title: figure.querySelector(".wall-slide__title"),
      author: figure.querySelector(".wall-slide__author"), qr: qr, qrImage: qrImage
    };
    return parts;
  }

  function show(slide) {
    var p = ensureParts();
    p.image.classList.add("is-fading");
    window.setTimeout(function () {
      p.image.src = slide.image;
      if (slide.width) { p.image.width = slide.width; p.image.height = slide.height; }
      p.image.alt = slide.title;
      p.title.textContent = slide.title;
      p.author.textContent = slide.author || "";
      if (p.qr.firstChild !== p.qrImage) { p.qr.textContent = ""; p.qr.appendChild(p.qrImage); }
      p.qrImage.src = slide.qr;
      p.image.classList.remove("is-fading");
    }, 400);
  }

  function advance() {
    if (!slides.length) { window.setTimeout(advance, seconds * 1000); return; }
    index = (index + 1) % slides.length;
    var slide = slides[index];
    if (!slide.image) { window.setTimeout(advance, 0); return; }
    var done = false;
    var timer = window.setTimeout(function () { finish(false); }, 20000);
    function finish(ok) {
      if (done) { return; }
      done = true;
      window.clearTimeout(timer);
      preloader.onload = preloader.onerror = null;
      if (ok) { failures = 0; show(slide); }
      else { failures += 1; }  // keep the last good slide up; back off while the network is down
      window.setTimeout(advance, ok ? seconds * 1000 : Math.min(60, 2 * failures) * 1000);
    }
    preloader.onload = function () { finish(true); };
    preloader.onerror = function () { finish(false); };
    preloader.src = slide.image;
  }

  function refreshPlaylist() {
    fetch(stage.dataset.playlist, { credentials: "omit", cache: "no-store" })
      .then(function (response) { if (!response.ok) { throw new Error("HTTP " + response.status); } return response.json(); })
      .then(function (data) {
        if (data && Array.isArray(data.slides)) {
          slides = data.slides;
          if (index >= slides.length) { index = 0; }
        }
      })
      .catch(function () { /* keep the playlist we have; try again next time */ })
      .then(function () { window.setTimeout(refreshPlaylist, PLAYLIST_EVERY); });
  }

  function reloadWhenReachable() {
    fetch(stage.dataset.playlist, { credentials: "omit", cache: "no-store" })
      .then(function (response) { if (response.ok) { window.location.reload(); } else { throw new Error(); } })
      .catch(function () { window.setTimeout(reloadWhenReachable, RETRY_RELOAD); });
  }

  window.setTimeout(advance, seconds * 1000);
  window.setTimeout(refreshPlaylist, PLAYLIST_EVERY);
  window.setTimeout(reloadWhenReachable, RELOAD_AFTER);
})();
