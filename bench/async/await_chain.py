# await-chain: 1M sequential awaits of an async function that returns at once.
import asyncio, time

async def f(x):
    return x

def g(x):
    return x

async def main():
    n = 1000000
    t0 = time.perf_counter()
    s = 0
    for i in range(n):
        s += await f(i)
    t1 = time.perf_counter()
    for i in range(n):
        s += g(i)
    t2 = time.perf_counter()
    print(f"await {t1 - t0:.3f}s  call {t2 - t1:.3f}s  ratio {(t1 - t0) / (t2 - t1):.2f}")

asyncio.run(main())
