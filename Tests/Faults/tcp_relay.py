"""A TCP relay between one controller replica and the fake apiserver's HTTPS port: the network path that a
partition cuts. TLS passes through it untouched (the replica verifies the fake's certificate end to end).

While partitioned, nothing crosses: open connections are frozen (the relay stops reading either side, as a link
that drops every packet) and new connections are accepted by the kernel but never forwarded. When the partition
heals, every connection that lived through it is reset, as a real one is by then (the replica's own timeouts,
keep-alive probes); bytes a replica wrote into a frozen connection are never delivered late. New connections then
flow again.
"""
import select
import socket
import threading


class TCPRelay:
    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.partitioned = False
        self.generation = 0  # bumped at each partition; connections of an older generation are reset at healing
        self.connections = []  # (generation, client, upstream or None)
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def partition(self):
        with self.lock:
            self.partitioned = True
            self.generation += 1

    def heal(self):
        with self.lock:
            self.partitioned = False
            doomed = [entry for entry in self.connections if entry[0] < self.generation or entry[2] is None]
            self.connections = [entry for entry in self.connections if entry not in doomed]
        for _, client, upstream in doomed:
            for sock in (client, upstream):
                if sock is not None:
                    _reset(sock)

    def stop(self):
        self.stopped = True
        self.listener.close()
        with self.lock:
            doomed, self.connections = self.connections, []
        for _, client, upstream in doomed:
            for sock in (client, upstream):
                if sock is not None:
                    _reset(sock)

    def _accept(self):
        while not self.stopped:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        with self.lock:
            held = self.partitioned
            generation = self.generation
            if held:
                self.connections.append((generation, client, None))
        if held:
            return  # Held without an upstream until the partition heals, then reset.
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
        except OSError:
            _reset(client)
            return
        upstream.settimeout(None)
        with self.lock:
            # A partition that began while connecting covers this connection too: it belongs to the generation it
            # was accepted in, and is reset at healing like every other that lived through the partition.
            entry = (generation, client, upstream)
            self.connections.append(entry)
        peers = {client: upstream, upstream: client}
        try:
            while True:
                with self.lock:
                    frozen = self.partitioned
                    alive = entry in self.connections
                if not alive:
                    return
                if frozen:
                    select.select([], [], [], 0.05)
                    continue
                readable, _, _ = select.select(list(peers), [], [], 0.05)
                for sock in readable:
                    with self.lock:
                        if self.partitioned:
                            break
                    data = sock.recv(65536)
                    if not data:
                        raise OSError("closed")
                    peers[sock].sendall(data)
        except OSError:
            with self.lock:
                if entry in self.connections:
                    self.connections.remove(entry)
            _reset(client)
            _reset(upstream)


def _reset(sock):
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass
