# spawn: 100k tasks that each await sleep(0) and return, gathered.
import asyncio

async def work(i):
    await asyncio.sleep(0)
    return i

async def main():
    tasks = [asyncio.create_task(work(i)) for i in range(100000)]
    res = await asyncio.gather(*tasks)
    print(len(res), sum(res))

asyncio.run(main())
