/* File formats: what a file really is by its first bytes (as app/media/sniff.py sees it),
 * their names for messages, and what the file picker should offer. */

const NAMES = { jpeg: "JPEG", png: "PNG", heic: "HEIC", mp4: "MP4", mov: "MOV", webm: "WebM" };
const ACCEPT = {
  jpeg: "image/jpeg,.jpg,.jpeg",
  png: "image/png,.png",
  heic: "image/heic,image/heif,.heic,.heif",
  mp4: "video/mp4,.mp4,.m4v",
  mov: "video/quicktime,.mov",
  webm: "video/webm,.webm",
};
const HEIC_BRANDS = ["heic", "heix", "heim", "heis", "mif1", "msf1"];

/** The format the file's first 16 bytes reveal, or null. */
export function sniff(head) {
  const startsWith = (offset, bytes) => bytes.every((value, i) => head[offset + i] === value);
  const ascii = (offset, length) => String.fromCharCode.apply(null, Array.from(head.subarray(offset, offset + length)));
  if (startsWith(0, [0xff, 0xd8, 0xff])) {
    return "jpeg";
  }
  if (startsWith(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) {
    return "png";
  }
  if (startsWith(0, [0x1a, 0x45, 0xdf, 0xa3])) {
    return "webm";
  }
  if (head.length >= 12 && ascii(4, 4) === "ftyp") {
    const brand = ascii(8, 4);
    if (HEIC_BRANDS.includes(brand)) {
      return "heic";
    }
    return brand === "qt  " ? "mov" : "mp4";
  }
  if (head.length >= 8 && ["moov", "mdat", "wide", "free"].includes(ascii(4, 4))) {
    return "mov";
  }
  return null;
}

/** Whether a file of `format` is allowed; MP4 and MOV pass for each other (one container family). */
export function compatible(format, allowed) {
  if (!format) {
    return false;
  }
  const family = format === "mp4" || format === "mov" ? ["mp4", "mov"] : [format];
  return family.some((f) => allowed.includes(f));
}

/** The formats as a message lists them: "JPEG, PNG". */
export function formatNames(formats) {
  return formats.map((f) => NAMES[f] || f.toUpperCase()).join(", ");
}

/** The file input's accept attribute for these formats ("" when none is known). */
export function acceptFor(formats) {
  return formats.map((f) => ACCEPT[f]).filter(Boolean).join(",");
}
