# raise ... from ...: "The above exception was the direct cause of the following exception:", three levels.
class StorageError(Exception):
    pass


def read_block(n):
    return [1, 2, 3][n]


def read(n):
    try:
        return read_block(n)
    except IndexError as e:
        raise StorageError(f"block {n} unreadable") from e


def serve():
    try:
        read(7)
    except StorageError as e:
        raise ConnectionError("request failed") from e


serve()
