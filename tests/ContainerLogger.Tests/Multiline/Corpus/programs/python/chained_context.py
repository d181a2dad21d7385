# An exception raised while handling another: "During handling of the above exception, another exception occurred:".
def load(config):
    try:
        return config["port"]
    except KeyError:
        raise RuntimeError("no port configured")


load({})
