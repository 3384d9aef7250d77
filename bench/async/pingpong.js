// pingpong: two tasks pass a token through a queue 200k times. Node has no
// asyncio.Queue, so this is a minimal unbounded one written the usual way:
// items plus the resolve functions of waiting getters (FIFO).
class Queue {
  constructor() { this.items = []; this.getters = []; }
  async put(x) {
    const g = this.getters.shift();
    if (g) g(x); else this.items.push(x);
  }
  get() {
    if (this.items.length > 0) return Promise.resolve(this.items.shift());
    return new Promise((resolve) => this.getters.push(resolve));
  }
}

async function player(inbox, outbox, n) {
  for (let i = 0; i < n; i++) {
    const tok = await inbox.get();
    await outbox.put(tok + 1);
  }
}

(async () => {
  const n = 100000;
  const a = new Queue(), b = new Queue();
  await a.put(0);
  await Promise.all([player(a, b, n), player(b, a, n)]);
  console.log(await a.get());
})();
