# pingpong: two tasks pass a token through a Queue 200k times
# (needs asyncio.Queue, from the asyncio-module half of issue 4).
import asyncio

async def player(inbox, outbox, n):
    for i in range(n):
        tok = await inbox.get()
        await outbox.put(tok + 1)

async def main():
    n = 100000
    a, b = asyncio.Queue(), asyncio.Queue()
    await a.put(0)
    await asyncio.gather(player(a, b, n), player(b, a, n))
    print(await a.get())

asyncio.run(main())
