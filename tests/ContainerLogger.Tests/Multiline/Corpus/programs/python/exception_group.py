# Python 3.11 exception groups, nested: the +-+--- frames.
def check(values):
    errors = []
    for v in values:
        try:
            if v < 0:
                raise ValueError(f"negative: {v}")
            if v == 0:
                raise ZeroDivisionError("zero")
        except Exception as e:
            errors.append(e)
    if errors:
        raise ExceptionGroup("bad values", errors)


def run():
    try:
        check([1, -2, 0])
    except ExceptionGroup as group:
        raise ExceptionGroup("run failed", [group, TypeError("also this")])


run()
