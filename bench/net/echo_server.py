# bench/net/echo_server.py - the python3 asyncio streams echo server of the
# network benchmark; with --uvloop it runs the same code on uvloop.
# Prints the port it listens on (port 0 = a free one), then echoes forever.
# Usage: python3 echo_server.py [--uvloop] [HOST] [PORT]
import asyncio
import sys


async def handle(reader, writer):
    while True:
        data = await reader.read(65536)
        if not data:
            break
        writer.write(data)
        await writer.drain()
    writer.close()


async def main(host, port):
    server = await asyncio.start_server(handle, host, port)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


args = sys.argv[1:]
if args and args[0] == "--uvloop":
    import uvloop
    uvloop.install()
    args = args[1:]
host = args[0] if args else "127.0.0.1"
port = int(args[1]) if len(args) > 1 else 0
asyncio.run(main(host, port))
