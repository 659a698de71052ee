/* The translated strings the server puts in #uploader-messages, and the figures that go
 * into them, written the way the server writes them in its own messages. */

const MB = 1024 * 1024;
const LANG = document.documentElement.lang || "vi";

/** The strings by key ("paused", "too_large" …), with %(name)s placeholders left to fill. */
export function readMessages(element) {
  return JSON.parse(element.textContent);
}

/** Put values into a gettext-style template; an unknown placeholder stays as it is. */
export function fill(template, values) {
  return String(template).replace(/%\((\w+)\)s/g, (match, key) =>
    Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : match
  );
}

/** A number format for the page's language, or the browser's own if it does not know that one. */
function numberFormat(options) {
  try {
    return new Intl.NumberFormat(LANG, options);
  } catch (error) {
    return new Intl.NumberFormat(undefined, options);
  }
}
const looseNumber = numberFormat({ maximumFractionDigits: 1 });
const oneDecimal = numberFormat({ minimumFractionDigits: 1, maximumFractionDigits: 1 });
const twoDecimals = numberFormat({ minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** Megabytes as the server writes them in its messages: "50", "3,5". */
export function megabytes(bytes) {
  return looseNumber.format(Math.round((bytes / MB) * 10) / 10);
}

/** Megabytes sent so far, always with one decimal so the figure does not jump about: "3,0". */
export function megabytesSent(bytes) {
  return oneDecimal.format(bytes / MB);
}

/** A speed in MB/s: two decimals below 1 MB/s (a slow phone still sees it move), else one. */
export function megabytesPerSecond(bytesPerSecond) {
  const mbps = bytesPerSecond / MB;
  return (mbps < 1 ? twoDecimals : oneDecimal).format(mbps);
}

function pad(value) {
  return String(value).padStart(2, "0");
}

/** Minutes and seconds as the server writes a video's length: "5:00", "12:07". */
export function minutesSeconds(seconds) {
  const total = Math.round(seconds);
  return Math.floor(total / 60) + ":" + pad(total % 60);
}

/** Time left: "0:42", "12:07", "1:02:03". */
export function clock(seconds) {
  const total = Math.max(0, Math.ceil(seconds));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  return hours ? hours + ":" + pad(minutes) + ":" + pad(total % 60) : minutes + ":" + pad(total % 60);
}
