# python3 asyncio streams server: replies to each line reversed; prints its port;
# stops after the first client disconnects (or after 5 s).
import asyncio

async def main():
    done = asyncio.Event()
    async def handle(r, w):
        async for line in r:
            w.write(line.strip()[::-1] + b"\n")
            await w.drain()
        w.close()
        done.set()
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await asyncio.wait_for(done.wait(), 5)
    server.close()

asyncio.run(main())
