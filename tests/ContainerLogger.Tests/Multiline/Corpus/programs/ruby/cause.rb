# An exception raised while rescuing another: Ruby prints the cause's backtrace after the exception's.
class StorageError < StandardError; end

def read_block(n)
  raise IndexError, "block #{n} out of range" if n > 3
end

def read(n)
  read_block(n)
rescue IndexError
  raise StorageError, "block #{n} unreadable"
end

read(7)
