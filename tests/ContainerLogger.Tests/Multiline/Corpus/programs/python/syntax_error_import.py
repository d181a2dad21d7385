# Importing a module that does not compile: a Traceback whose last frame is the SyntaxError's own location.
import sys, os
sys.path.insert(0, os.path.dirname(__file__))
import syntax_error  # noqa: F401
