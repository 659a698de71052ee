/* Files dragged from the desktop: dropped on the zone they are taken like chosen ones;
 * dropped beside it they are ignored, where the browser would open the file in place of
 * the page (and lose the uploads under way). */

function carriesFiles(event) {
  return Boolean(event.dataTransfer) && Array.from(event.dataTransfer.types || []).includes("Files");
}

/** Hand files dropped on `dropzone` to `onFiles`; the zone has .is-dragover while they hover. */
export function acceptDrops(dropzone, onFiles) {
  ["dragenter", "dragover"].forEach((type) => {
    dropzone.addEventListener(type, (event) => {
      if (!carriesFiles(event)) {
        return;
      }
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
      dropzone.classList.add("is-dragover");
    });
  });
  dropzone.addEventListener("dragleave", (event) => {
    if (!event.relatedTarget || !dropzone.contains(event.relatedTarget)) {
      dropzone.classList.remove("is-dragover");
    }
  });
  dropzone.addEventListener("drop", (event) => {
    if (!carriesFiles(event)) {
      return;
    }
    event.preventDefault();
    dropzone.classList.remove("is-dragover");
    onFiles(event.dataTransfer.files);
  });
  window.addEventListener("dragover", (event) => {
    if (carriesFiles(event) && !dropzone.contains(event.target)) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "none";
    }
  });
  window.addEventListener("drop", (event) => {
    if (carriesFiles(event)) {
      event.preventDefault();
    }
  });
}
