# python3 asyncio streams client: sends each argument as a line, prints replies.
import asyncio, sys

async def main(port, words):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    for word in words:
        if raw:     # a chunk without newline, reply read as one chunk
            w.write(word.encode())
            await w.drain()
            print("py got", (await r.read(1024)).decode())
        else:
            w.write(word.encode() + b"\n")
            await w.drain()
            print("py got", (await r.readline()).decode().strip())
    w.close()
    await w.wait_closed()

raw = "--raw" in sys.argv
asyncio.run(asyncio.wait_for(main(int(sys.argv[1]), [a for a in sys.argv[2:] if a != "--raw"]), 5))
