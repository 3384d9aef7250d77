# idle: 100k tasks sleeping 2 s at once.
import asyncio

async def idle():
    await asyncio.sleep(2)

async def main():
    await asyncio.gather(*[idle() for i in range(100000)])
    print("done")

asyncio.run(main())
