/* Files wait here for a sending slot: a phone's connection shared by every chosen file at
 * once would leave all of them crawling, so only a few are sent at the same time. */

const MAX_ACTIVE = 2; // files sent at the same time

/** Holds items with a drive() method that sends them and resolves when done with the slot. */
export class UploadQueue {
  constructor() {
    this.waiting = [];
    this.active = 0;
  }

  add(item) {
    this.waiting.push(item);
    this.schedule();
  }

  /** Take an item out of the line (paused or cancelled before its turn). */
  remove(item) {
    const index = this.waiting.indexOf(item);
    if (index >= 0) {
      this.waiting.splice(index, 1);
    }
  }

  schedule() {
    while (this.active < MAX_ACTIVE && this.waiting.length) {
      const item = this.waiting.shift();
      this.active += 1;
      item.drive().finally(() => {
        this.active -= 1;
        this.schedule();
      });
    }
  }
}
