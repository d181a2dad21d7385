# A script that does not compile: no "Traceback" header, a caret line under the error.
def broken(:
    pass
