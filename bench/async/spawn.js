// spawn: 100k tasks that each await a zero timeout and return, gathered.
const sleep0 = () => new Promise((r) => setImmediate(r));
async function work(i) { await sleep0(); return i; }
(async () => {
  const res = await Promise.all(Array.from({ length: 100000 }, (_, i) => work(i)));
  console.log(res.length, res.reduce((a, b) => a + b, 0));
})();
