# Accepts one connection, sends b"partial", then resets it (SO_LINGER 0).
import socket, struct, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
print(s.getsockname()[1], flush=True)
s.settimeout(5)
c, _ = s.accept()
c.sendall(b"partial")
time.sleep(0.2)
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
c.close()
time.sleep(0.5)
