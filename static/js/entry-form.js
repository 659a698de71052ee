/* The entry form around the uploader: files uploaded on this page become rows of the form.
 *
 * The uploader (uploader/main.js) tells the page about each file on document events:
 *   uploader:stored   every byte arrived; the file is an asset on the server (detail.assetId)
 *   uploader:ready    processing finished (detail.thumb, detail.media)
 *   uploader:refused  processing refused it (detail.message)
 * A stored file gets a ticked row; a refused one is unticked and says why. The date field is
 * filled from the first chosen photo's capture date unless the person typed a date. In a
 * series, arrows move rows (the order of the rows is the order of the photos), and the date
 * follows the photo that comes first. Without this script the form still works with files
 * uploaded earlier, in the order they were uploaded.
 */
(function () {
  "use strict";

  const list = document.getElementById("entry-files");
  const template = document.getElementById("file-row-template");
  const messagesEl = document.getElementById("entry-form-messages");
  if (!list || !template || !messagesEl) {
    return;
  }
  const messages = JSON.parse(messagesEl.textContent);
  const series = list.dataset.series === "true";
  const madeOn = document.getElementById("made_on");
  const announcer = document.getElementById("entry-form-announcer");

  function say(text) {
    if (announcer) {
      announcer.textContent = text;
    }
  }

  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, (match, key) => (key in values ? String(values[key]) : match));
  }

  function rowOf(assetId) {
    return Array.from(list.children).find((row) => row.dataset.assetId === assetId) || null;
  }

  let filledIn = null; // the date this script put in #made_on, while the person has not changed it

  /** "When it was made" from the capture date of the first chosen file (of a series: the first
   * photo, so it follows the arrows), unless the person typed a date of their own. */
  function prefillDate() {
    if (!madeOn || (madeOn.value && madeOn.value !== filledIn)) {
      return;
    }
    const first = Array.from(list.children).find(
      (row) => row.querySelector("input[name=file]").checked && row.dataset.capturedOn
    );
    if (first) {
      madeOn.value = first.dataset.capturedOn;
      filledIn = madeOn.value;
    }
  }

  function setRowState(row, state, text) {
    row.className = "file-row file-row--" + state;
    row.querySelector(".file-row-state").textContent = text;
  }

  function addArrows(row) {
    if (!series || row.querySelector(".file-row-move")) {
      return;
    }
    const box = document.createElement("div");
    box.className = "file-row-move";
    [["up", -1], ["down", 1]].forEach(([key, step]) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button button--small";
      button.textContent = messages[key];
      button.setAttribute("aria-label", messages[key] + ": " + row.querySelector(".file-row-name").textContent);
      button.addEventListener("click", () => move(row, step, button));
      box.appendChild(button);
    });
    row.appendChild(box);
  }

  function move(row, step, button) {
    const sibling = step < 0 ? row.previousElementSibling : row.nextElementSibling;
    if (!sibling) {
      return;
    }
    list.insertBefore(row, step < 0 ? sibling : sibling.nextElementSibling);
    button.focus();
    const position = Array.from(list.children).indexOf(row) + 1;
    say(fill(messages.moved, { name: row.querySelector(".file-row-name").textContent, position: position }));
    prefillDate();
  }

  function newRow(assetId, name) {
    const row = template.content.firstElementChild.cloneNode(true);
    row.dataset.assetId = assetId;
    const input = row.querySelector("input[name=file]");
    input.value = assetId;
    input.id = "file-" + assetId;
    row.querySelector(".file-row-label").setAttribute("for", input.id);
    row.querySelector(".file-row-name").textContent = name;
    row.querySelectorAll("[data-name]").forEach((field) => {
      field.name = field.dataset.name + "-" + assetId;
      field.id = field.name;
    });
    row.querySelectorAll("label[data-for]").forEach((label) => {
      label.setAttribute("for", label.dataset.for + "-" + assetId);
    });
    return row;
  }

  document.addEventListener("uploader:stored", (event) => {
    const { assetId, name } = event.detail;
    let row = rowOf(assetId);
    if (!row) {
      row = newRow(assetId, name);
      list.appendChild(row);
      addArrows(row);
    }
    row.querySelector("input[name=file]").checked = true;
    const empty = document.getElementById("no-files");
    if (empty) {
      empty.hidden = true;
    }
  });

  document.addEventListener("uploader:ready", (event) => {
    const { assetId, thumb, media } = event.detail;
    const row = rowOf(assetId);
    if (!row) {
      return;
    }
    setRowState(row, "ready", messages.ready);
    if (thumb) {
      const img = document.createElement("img");
      img.src = thumb.url;
      img.alt = "";
      img.width = thumb.width;
      img.height = thumb.height;
      row.querySelector(".file-row-thumb").replaceChildren(img);
    }
    if (media && media.captured_on) {
      row.dataset.capturedOn = media.captured_on;
    }
    prefillDate();
  });

  document.addEventListener("uploader:refused", (event) => {
    const row = rowOf(event.detail.assetId);
    if (row) {
      row.querySelector("input[name=file]").checked = false;
      setRowState(row, "rejected", messages.refused + ": " + (event.detail.message || ""));
    }
  });

  list.addEventListener("change", (event) => {
    if (event.target.name === "file") {
      prefillDate();
    }
  });

  Array.from(list.children).forEach(addArrows);
})();
