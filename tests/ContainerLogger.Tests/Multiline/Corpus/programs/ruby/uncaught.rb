# An uncaught exception three calls deep: the "from" lines.
def parse(text)
  Integer(text)
end

def handle(request)
  parse(request[:count])
end

handle({ count: "twelve" })
