// await-chain: 1M sequential awaits of an async function that returns at once.
async function f(x) { return x; }
function g(x) { return x; }
(async () => {
  const n = 1000000;
  let s = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) s += await f(i);
  const t1 = performance.now();
  for (let i = 0; i < n; i++) s += g(i);
  const t2 = performance.now();
  console.log(`await ${((t1 - t0) / 1000).toFixed(3)}s  call ${((t2 - t1) / 1000).toFixed(3)}s`);
})();
