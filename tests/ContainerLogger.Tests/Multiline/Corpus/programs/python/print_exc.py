# A caught exception logged with traceback.print_exc(), then the program goes on (stderr, like logging.exception).
import sys
import traceback


def risky():
    return {}["missing"]


try:
    risky()
except KeyError:
    traceback.print_exc()
sys.stderr.flush()
