/* The states of a file's card. A chosen file goes
 *   checking → queued → uploading (⇄ retrying, paused) → pending → processing → ready,
 * or ends rejected, failed or cancelled. "unfinished" is a card remembered from an earlier
 * visit, waiting for its file to be chosen again. The names are the card's data-state and
 * class (upload--STATE) and the keys of its label in the messages. */

/** On the way to the server, or waiting for a sending slot. */
export const SENDING = ["queued", "uploading", "retrying"];

/** States a Cancel button is shown in. */
export const CANCELLABLE = ["queued", "uploading", "retrying", "paused", "unfinished"];

/** Taken care of already: choosing the same file again does not start it twice. */
export const BUSY = ["checking", "queued", "uploading", "retrying", "paused", "pending", "processing"];

/** The file is on the server; the list of uploaded files below is out of date until a reload. */
export const ON_SERVER = ["pending", "processing", "ready"];
