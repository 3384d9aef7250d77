// idle: 100k tasks sleeping 2 s at once.
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  await Promise.all(Array.from({ length: 100000 }, () => sleep(2000)));
  console.log("done");
})();
