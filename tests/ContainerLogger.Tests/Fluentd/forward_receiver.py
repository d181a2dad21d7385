"""A fluentd forward-protocol receiver for the end-to-end tests, decoding with Debian's python3-msgpack.

Accepts Message, Forward and PackedForward modes (and CompressedPackedForward), prints one JSON line per event on
stdout: {"tag", "time": [seconds, nanoseconds], "record"}, the record's values decoded as UTF-8 with U+FFFD for
bytes that are not. Answers {"ack": chunk} when a message carries a chunk id, unless told otherwise.

Usage: forward_receiver.py tcp|unix ADDRESS [ack|noack|garbage]   (ADDRESS: a port, 0 for any, or a socket path)
"""
import gzip, json, socket, struct, sys, threading

import msgpack


def event_time(code, data):
    if code == 0:
        seconds, nanoseconds = struct.unpack(">II", data)
        return [seconds, nanoseconds]
    return msgpack.ExtType(code, data)


def text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def emit(tag, time, record, lock):
    line = json.dumps({
        "tag": text(tag),
        "time": time if isinstance(time, list) else [time, 0],
        "record": {text(k): text(v) for k, v in record.items()},
    })
    with lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def entries(data):
    unpacker = msgpack.Unpacker(raw=True, ext_hook=event_time)
    unpacker.feed(data)
    for time, record in unpacker:
        yield time, record


def serve(connection, behaviour, lock):
    unpacker = msgpack.Unpacker(raw=True, ext_hook=event_time)
    with connection:
        while True:
            data = connection.recv(1 << 16)
            if not data:
                return
            unpacker.feed(data)
            for message in unpacker:
                tag, second = message[0], message[1]
                option = message[2] if len(message) > 2 and isinstance(message[2], dict) else {}
                if isinstance(second, (bytes, bytearray)):
                    if option.get(b"compressed") == b"gzip":
                        second = gzip.decompress(second)
                    for time, record in entries(second):
                        emit(tag, time, record, lock)
                elif isinstance(second, list):
                    for time, record in second:
                        emit(tag, time, record, lock)
                else:
                    emit(tag, second, message[2], lock)
                    option = message[3] if len(message) > 3 else {}
                chunk = option.get(b"chunk")
                if chunk is None or behaviour == "noack":
                    continue
                if behaviour == "garbage":
                    connection.sendall(b"\xc1 this is not msgpack \x00\xff")
                else:
                    connection.sendall(msgpack.packb({"ack": chunk.decode()}))  # a str, as fluentd answers


def main():
    transport, address = sys.argv[1], sys.argv[2]
    behaviour = sys.argv[3] if len(sys.argv) > 3 else "ack"
    if transport == "unix":
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(address)
        where = address
    else:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", int(address)))
        where = listener.getsockname()[1]
    listener.listen(16)
    sys.stderr.write("listening %s\n" % where)
    sys.stderr.flush()
    lock = threading.Lock()
    while True:
        connection, _ = listener.accept()
        threading.Thread(target=serve, args=(connection, behaviour, lock), daemon=True).start()


if __name__ == "__main__":
    main()
