# An uncaught exception three calls deep (Python 3.11 prints ^^^ carets under the failing expression).
def parse(text):
    return int(text) * 2


def handle(request):
    return parse(request["count"])


def main():
    handle({"count": "twelve"})


main()
