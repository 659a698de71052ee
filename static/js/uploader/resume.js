/* Uploads remembered in localStorage, so that choosing the same file again after a reload
 * goes on where it stopped instead of starting over. Keys carry the user's id: one user's
 * remembered uploads are not shown to another on a shared phone. Storage may be missing
 * or full (private mode): then uploads still work, they just cannot resume after a reload. */

const PREFIX = "hna-upload:";
const MAX_AGE_MS = 7 * 24 * 3600 * 1000;

export class UploadMemory {
  constructor(owner) {
    this.prefix = PREFIX + (owner || "") + ":";
  }

  /** The key of one file sent to one category: the same file chosen again finds it. */
  keyOf(file, categoryId) {
    return this.prefix + [file.name, file.size, file.lastModified, categoryId].join("|");
  }

  /** {url, savedAt, expiresAt, name, size, offset}, or null. */
  get(key) {
    try {
      const saved = JSON.parse(window.localStorage.getItem(key) || "null");
      return saved && typeof saved.url === "string" ? saved : null;
    } catch (error) {
      return null;
    }
  }

  /** Keep what a later visit needs to resume, and to say which file to choose again. */
  remember(key, { url, expiresAt, name, size, offset }) {
    try {
      const saved = {
        url: url,
        savedAt: Date.now(),
        expiresAt: expiresAt || 0,
        name: name,
        size: size,
        offset: offset,
      };
      window.localStorage.setItem(key, JSON.stringify(saved));
    } catch (error) {
      /* private mode or full: the upload still works, it just cannot resume after a reload */
    }
  }

  remove(key) {
    try {
      window.localStorage.removeItem(key);
    } catch (error) {
      /* nothing to do */
    }
  }

  /** Forget uploads the server has dropped by now (any user's); list this user's others, oldest first. */
  entries() {
    const found = [];
    try {
      const now = Date.now();
      for (let i = window.localStorage.length - 1; i >= 0; i -= 1) {
        const key = window.localStorage.key(i);
        if (key && key.startsWith(PREFIX)) {
          const saved = this.get(key);
          if (!saved || !(now - saved.savedAt < MAX_AGE_MS) || saved.expiresAt < now) {
            window.localStorage.removeItem(key);
          } else if (key.startsWith(this.prefix)) {
            found.push([key, saved]);
          }
        }
      }
    } catch (error) {
      /* storage unavailable */
    }
    return found.sort((a, b) => a[1].savedAt - b[1].savedAt);
  }
}
