"""A forward proxy that only tunnels: answers CONNECT host:port with 200 and
relays bytes both ways, as corporate HTTPS proxies do.

    connect_proxy.py DIR

Prints its port (on 127.0.0.1), then appends one line per request to
DIR/requests.log: the method, the target and the Proxy-Authorization header
(or `-`). Runs until killed."""
import os
import socket
import sys
import threading

log_path = os.path.join(sys.argv[1], "requests.log")
log_lock = threading.Lock()


def relay(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(client):
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = client.recv(4096)
        if not chunk:
            client.close()
            return
        head += chunk
    lines = head.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    auth = next(
        (l.split(":", 1)[1].strip() for l in lines[1:] if l.lower().startswith("proxy-authorization:")),
        "-",
    )
    with log_lock, open(log_path, "a") as log:
        log.write(f"{method} {target} {auth}\n")
    if method != "CONNECT":
        client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
        client.close()
        return
    host, port = target.rsplit(":", 1)
    upstream = socket.create_connection((host, int(port)))
    client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    threading.Thread(target=relay, args=(upstream, client), daemon=True).start()
    relay(client, upstream)


server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(16)
print(server.getsockname()[1], flush=True)
while True:
    conn, _ = server.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
