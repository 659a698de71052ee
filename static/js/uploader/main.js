/* Resumable uploads for the "My files" page, speaking tus 1.0 to /api/v1/uploads.
 *
 * Each chosen or dropped file gets its own card. Before anything is sent the file is
 * checked against the category's rules (size, real type from its first bytes, photo
 * size or video length); the server stays the authority and checks everything again.
 * The file then goes up in chunks (XMLHttpRequest, for progress within a chunk); a
 * dropped connection, a timeout or a 5xx is retried with a growing pause, after asking
 * the server how much it holds. The upload's address is remembered in localStorage, so
 * choosing the same file again after a reload continues where it stopped. Once complete,
 * the asset is polled until it is ready (thumbnail) or refused (the server's reason).
 *
 * No libraries, no build step, no inline styles (CSP): state is shown by classes.
 * This module only wires the page to the parts:
 *   checks.js, formats.js   what is checked before sending
 *   upload.js                one file: card, state, pause/resume/cancel
 *   sending.js, tus.js, http.js, errors.js   sending it, retrying, the protocol
 *   processing.js            following the server's processing to the thumbnail
 *   resume.js                remembering uploads for after a reload
 *   ui.js, speed.js, messages.js   what the card shows and says, and in which words
 *   queue.js, states.js, dropzone.js
 */

import { rulesOf } from "./checks.js";
import { acceptDrops } from "./dropzone.js";
import { acceptFor } from "./formats.js";
import { readMessages } from "./messages.js";
import { UploadQueue } from "./queue.js";
import { UploadMemory } from "./resume.js";
import { SENDING } from "./states.js";
import { TusClient } from "./tus.js";
import { Announcer } from "./ui.js";
import { Upload } from "./upload.js";

function start() {
  const root = document.getElementById("uploader");
  const messagesEl = document.getElementById("uploader-messages");
  if (!root || !messagesEl || !window.XMLHttpRequest || !window.Blob || !window.Promise) {
    return; // not this page's uploader (no contest open, email not confirmed), or too old a browser
  }
  const list = document.getElementById("upload-list");
  const input = document.getElementById("upload-files");
  const dropzone = document.getElementById("dropzone");
  const categorySelect = document.getElementById("upload-category");
  const messages = readMessages(messagesEl);
  const memory = new UploadMemory(root.dataset.owner);
  const context = {
    messages: messages,
    tus: new TusClient({
      uploadsUrl: root.dataset.uploadsUrl,
      csrfUrl: root.dataset.csrfUrl,
      csrfToken: root.dataset.csrf,
      networkMessage: messages.network,
    }),
    memory: memory,
    queue: new UploadQueue(),
    list: list,
    announcer: new Announcer(document.getElementById("upload-announcer")),
    mediaUrl: root.dataset.mediaUrl,
  };
  const items = [];

  function selectedOption() {
    return categorySelect.options[categorySelect.selectedIndex];
  }

  function addFiles(fileList) {
    const option = selectedOption();
    if (!option) {
      return;
    }
    Array.from(fileList || []).forEach((file) => {
      const key = memory.keyOf(file, option.value);
      const existing = items.find((item) => item.key === key && item.isBusy());
      if (existing) {
        existing.li.focus(); // already on its way
        return;
      }
      const item = new Upload(file, rulesOf(option), key, context);
      const waiting = items.find((other) => other.key === key && other.state === "unfinished");
      if (waiting) {
        list.replaceChild(item.li, waiting.li); // the remembered card becomes the real one
        items.splice(items.indexOf(waiting), 1);
      }
      items.push(item);
      item.check();
    });
  }

  /** Offer only the category's formats in the file picker. */
  function updateAccept() {
    const option = selectedOption();
    const accept = acceptFor(option ? rulesOf(option).formats : []);
    if (accept) {
      input.setAttribute("accept", accept);
    } else {
      input.removeAttribute("accept");
    }
  }

  /** Cards for uploads left unfinished on an earlier visit: choose the file again to go on. */
  function showRemembered() {
    memory.entries().forEach(([key, saved]) => {
      if (!saved.name || !(saved.size > 0)) {
        return;
      }
      const item = new Upload({ name: String(saved.name), size: Number(saved.size) }, null, key, context);
      item.url = saved.url;
      item.offset = Number(saved.offset) || 0;
      item.progress(item.offset, true);
      item.setState("unfinished");
      items.push(item);
    });
  }

  input.addEventListener("change", () => {
    const files = Array.from(input.files || []);
    input.value = ""; // the same file may be chosen again later (to resume it)
    addFiles(files);
  });
  categorySelect.addEventListener("change", updateAccept);
  acceptDrops(dropzone, addFiles);
  window.addEventListener("beforeunload", (event) => {
    if (items.some((item) => SENDING.includes(item.state))) {
      event.preventDefault();
      event.returnValue = ""; // leaving is fine (the upload resumes), but ask first
    }
  });

  root.classList.add("uploader--ready");
  updateAccept();
  showRemembered();
}

start();
