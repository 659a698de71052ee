/* After the last byte: the server turns the upload into an asset and processes it in the
 * background (checks, thumbnails, poster frame). The card follows it by asking the media
 * API, less and less often, until the file is ready or refused. */

const POLL_FIRST_MS = 2000;
const POLL_MAX_MS = 15000;

function delay(ms) {
  return new Promise((resolve) => window.setTimeout(resolve, ms));
}

/** The derivative to show on the card: the small photo, else the video's poster, else any image. */
function thumbnailOf(media) {
  const derivatives = media.derivatives || [];
  return (
    derivatives.find((d) => d.name === "w480.webp") ||
    derivatives.find((d) => d.name === "poster.jpg") ||
    derivatives.find((d) => /^image\//.test(d.content_type || ""))
  );
}

/** Follow the processing of `upload`'s asset until it is ready or refused; stops when `run` is over. */
export async function followProcessing(upload, run) {
  const { tus, mediaUrl, messages } = upload.context;
  upload.setState("pending");
  let wait = POLL_FIRST_MS;
  for (;;) {
    let response = null;
    try {
      response = await tus.request(upload, "GET", mediaUrl + "/" + encodeURIComponent(upload.assetId));
    } catch (error) {
      response = null; // offline for a moment: ask again later
    }
    if (run !== upload.run) {
      return;
    }
    const media = response && response.status === 200 ? response.data : null;
    if (media && media.state === "ready") {
      upload.ready(thumbnailOf(media), media);
      return;
    }
    if (media && (media.state === "rejected" || media.state === "failed")) {
      upload.finish(media.state, media.message || messages[media.state]);
      return;
    }
    if (media) {
      upload.setState(media.state === "processing" ? "processing" : "pending");
    } else if (response && response.status >= 400 && response.status < 500 && response.status !== 429) {
      upload.finish("failed", tus.errorMessage(response));
      return;
    }
    await delay(wait);
    wait = Math.min(POLL_MAX_MS, Math.round(wait * 1.5));
  }
}
